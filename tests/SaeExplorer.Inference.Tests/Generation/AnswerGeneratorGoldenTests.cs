using System.Text.Json;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Generation;

/// <summary>The fp32 model with its head and the Goodfire-format SAE of layer 2, loaded once.</summary>
public sealed class GenerationModel : IDisposable
{
    public LlamaForCausalLM Model { get; } = LlamaForCausalLM.Load(FixturePaths.TinyModel, 3, withHead: true, ScalarType.Float32, CPU);
    public SparseAutoencoder Sae { get; } = SaeFormats.Load(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), ScalarType.Float32, CPU);

    public void Dispose()
    {
        Model.Dispose();
        Sae.Dispose();
    }
}

/// <summary>The generation goldens (tests/fixtures/generation-golden): transformers' float32 <c>generate</c>.</summary>
public static class GenerationGolden
{
    public static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(FixturePaths.Fixtures, "generation-golden", "tiny-llama3_generation_golden.json"))).RootElement;

    public static IReadOnlySet<int> StopIds => Root.GetProperty("eos_token_ids").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();

    public static int MaxNewTokens => Root.GetProperty("max_new_tokens").GetInt32();

    public static int Layer => Root.GetProperty("layer").GetInt32();

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Root.GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("case").GetString()!);
        return data;
    }

    public static JsonElement Case(string name) => Root.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("case").GetString() == name);

    public static FeatureIntervention[] Interventions(JsonElement c) => c.GetProperty("kind").GetString() switch
    {
        "none" => [],
        "add" => [FeatureIntervention.Add(c.GetProperty("feature").GetInt32(), (float)c.GetProperty("value").GetDouble())],
        "clamp" => [FeatureIntervention.Clamp(c.GetProperty("feature").GetInt32(), (float)c.GetProperty("value").GetDouble())],
        var kind => throw new InvalidDataException($"unknown case kind {kind}"),
    };

    public static IEnumerable<(int Index, int[] NewIds, int[] TopIds, double[] TopValues)> Prompts(JsonElement c) =>
        c.GetProperty("prompts").EnumerateArray().Select(p => (
            p.GetProperty("index").GetInt32(),
            p.GetProperty("new_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.GetProperty("first_step_top20_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.GetProperty("first_step_top20_values").EnumerateArray().Select(e => e.GetDouble()).ToArray()));
}

/// <summary>
/// Greedy tokens and first-step logits against transformers' <c>generate</c>, plain and with steering and clamping of
/// SAE features at layer 2: the KV-cached <see cref="AnswerGenerator"/> one prompt at a time and all ten prompts batched,
/// and the uncached reference decoder it is checked against.
/// </summary>
public sealed class AnswerGeneratorGoldenTests(GenerationModel fixture) : IClassFixture<GenerationModel>
{
    // The golden logits were computed in float32 too; neighbours in the top 20 can be closer than this, so ids are
    // compared only where the gap to the next value exceeds it.
    private const double LogitTolerance = 1e-4;

    private GenerationPlan Plan(IReadOnlyList<FeatureIntervention> interventions) =>
        new(new SaeAtLayer(fixture.Sae, GenerationGolden.Layer), interventions);

    [Theory]
    [MemberData(nameof(GenerationGolden.Cases), MemberType = typeof(GenerationGolden))]
    public void One_prompt_at_a_time_the_cached_decoder_generates_the_reference_tokens_and_logits(string caseName)
    {
        var c = GenerationGolden.Case(caseName);
        var options = new DecodingOptions(GenerationGolden.MaxNewTokens);
        foreach (var (index, expected, topIds, topValues) in GenerationGolden.Prompts(c))
        {
            var answer = AnswerGenerator.Generate(fixture.Model, [Golden.PromptIds[index]], options, GenerationGolden.StopIds, Plan(GenerationGolden.Interventions(c)))[0];
            Assert.True(expected.SequenceEqual(answer.NewIds), $"{caseName} p{index}: [{string.Join(", ", answer.NewIds)}] vs [{string.Join(", ", expected)}]");
            Assert.Equal(GenerationGolden.StopIds.Contains(expected[^1]) ? FinishReason.Eos : FinishReason.Length, answer.FinishReason);
            var ours = answer.FirstStepTop.ToDictionary(t => t.Id, t => (double)t.Logit);
            AssertTop($"{caseName} p{index}", topIds, topValues, ours, answer.FirstStepTop.Select(t => t.Id).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(GenerationGolden.Cases), MemberType = typeof(GenerationGolden))]
    public void All_ten_prompts_of_different_lengths_batched_generate_the_reference_tokens(string caseName)
    {
        var c = GenerationGolden.Case(caseName);
        var prompts = GenerationGolden.Prompts(c).ToArray();
        Assert.True(prompts.Select(p => Golden.PromptIds[p.Index].Length).Distinct().Count() > 1, "the batch must mix prompt lengths");
        var answers = AnswerGenerator.Generate(fixture.Model, prompts.Select(p => Golden.PromptIds[p.Index]).ToArray(),
            new DecodingOptions(GenerationGolden.MaxNewTokens), GenerationGolden.StopIds, Plan(GenerationGolden.Interventions(c)));
        for (int i = 0; i < prompts.Length; i++)
        {
            var (index, expected, topIds, topValues) = prompts[i];
            Assert.True(expected.SequenceEqual(answers[i].NewIds), $"{caseName} p{index} batched: [{string.Join(", ", answers[i].NewIds)}] vs [{string.Join(", ", expected)}]");
            AssertTop($"{caseName} p{index} batched", topIds, topValues, answers[i].FirstStepTop.ToDictionary(t => t.Id, t => (double)t.Logit), answers[i].FirstStepTop.Select(t => t.Id).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(GenerationGolden.Cases), MemberType = typeof(GenerationGolden))]
    public void The_uncached_reference_decoder_generates_the_reference_tokens(string caseName)
    {
        var c = GenerationGolden.Case(caseName);
        using var attached = Steering.Attach(fixture.Model, fixture.Sae, GenerationGolden.Layer, GenerationGolden.Interventions(c));
        foreach (var (index, expected, topIds, topValues) in GenerationGolden.Prompts(c))
        {
            var result = UncachedGreedyDecoder.Generate(fixture.Model, Golden.PromptIds[index], GenerationGolden.MaxNewTokens, GenerationGolden.StopIds);
            Assert.True(expected.SequenceEqual(result.NewIds), $"{caseName} p{index}: [{string.Join(", ", result.NewIds)}] vs [{string.Join(", ", expected)}]");
            var ourTop = result.FirstStepLogits.Select((v, id) => (v, id)).OrderByDescending(t => t.v).Take(topIds.Length).Select(t => t.id).ToArray();
            AssertTop($"{caseName} p{index} uncached", topIds, topValues, topIds.ToDictionary(id => id, id => (double)result.FirstStepLogits[id]), ourTop);
        }
    }

    private static void AssertTop(string what, int[] ids, double[] values, IReadOnlyDictionary<int, double> ours, int[] ourOrder)
    {
        for (int k = 0; k < ids.Length; k++)
        {
            if (!ours.TryGetValue(ids[k], out var logit))
            {
                // Only a near-tie at the edge of the top 20 may swap with the 21st.
                Assert.True(values[k] <= ours.Values.Min() + LogitTolerance, $"{what}: {ids[k]} ({values[k]}) is not among our top {ourOrder.Length}");
                continue;
            }
            Assert.True(Math.Abs(logit - values[k]) <= LogitTolerance, $"{what}: logit of {ids[k]} is {logit} vs {values[k]}");
            bool separated = (k == 0 || values[k - 1] - values[k] > LogitTolerance) && (k == ids.Length - 1 || values[k] - values[k + 1] > LogitTolerance);
            if (separated)
                Assert.Equal(ids[k], ourOrder[k]);
        }
    }
}
