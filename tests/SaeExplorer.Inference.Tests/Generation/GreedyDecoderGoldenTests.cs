using System.Text.Json;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
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

/// <summary>
/// Greedy tokens and first-step logits against transformers' <c>generate</c> (tests/fixtures/generation-golden), plain
/// and with steering and clamping of SAE features at layer 2.
/// </summary>
public sealed class GreedyDecoderGoldenTests(GenerationModel fixture) : IClassFixture<GenerationModel>
{
    // The golden logits were computed in float32 too; neighbours in the top 20 can be closer than this, so ids are
    // compared only where the gap to the next value exceeds it.
    private const double LogitTolerance = 1e-4;

    private static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(FixturePaths.Fixtures, "generation-golden", "tiny-llama3_generation_golden.json"))).RootElement;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Root.GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("case").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_prompt_generates_the_reference_tokens(string caseName)
    {
        var c = Root.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("case").GetString() == caseName);
        var stop = Root.GetProperty("eos_token_ids").EnumerateArray().Select(e => e.GetInt32()).ToHashSet();
        int maxNew = Root.GetProperty("max_new_tokens").GetInt32();
        var interventions = c.GetProperty("kind").GetString() switch
        {
            "none" => [],
            "add" => [FeatureIntervention.Add(c.GetProperty("feature").GetInt32(), (float)c.GetProperty("value").GetDouble())],
            "clamp" => new[] { FeatureIntervention.Clamp(c.GetProperty("feature").GetInt32(), (float)c.GetProperty("value").GetDouble()) },
            var kind => throw new InvalidDataException($"unknown case kind {kind}"),
        };
        using var attached = FeatureIntervention.Attach(fixture.Model, fixture.Sae, Root.GetProperty("layer").GetInt32(), interventions);
        foreach (var p in c.GetProperty("prompts").EnumerateArray())
        {
            int index = p.GetProperty("index").GetInt32();
            var expected = p.GetProperty("new_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var result = GreedyDecoder.Generate(fixture.Model, Golden.PromptIds[index], maxNew, stop);

            Assert.True(expected.SequenceEqual(result.NewIds), $"{caseName} p{index}: [{string.Join(", ", result.NewIds)}] vs [{string.Join(", ", expected)}]");
            Assert.Equal(stop.Contains(expected[^1]) ? FinishReason.Eos : FinishReason.Length, result.FinishReason);

            var ids = p.GetProperty("first_step_top20_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var values = p.GetProperty("first_step_top20_values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (int k = 0; k < ids.Length; k++)
            {
                double ours = result.FirstStepLogits[ids[k]];
                Assert.True(Math.Abs(ours - values[k]) <= LogitTolerance, $"{caseName} p{index}: logit of {ids[k]} is {ours} vs {values[k]}");
            }
            var ourTop = result.FirstStepLogits.Select((v, id) => (v, id)).OrderByDescending(t => t.v).Take(ids.Length).ToArray();
            for (int k = 0; k < ids.Length; k++)
            {
                bool separated = (k == 0 || values[k - 1] - values[k] > LogitTolerance) && (k == ids.Length - 1 || values[k] - values[k + 1] > LogitTolerance);
                if (separated)
                    Assert.Equal(ids[k], ourTop[k].id);
            }
        }
    }

    [Fact]
    public void Steering_the_generated_tokens_only_leaves_the_prompt_and_so_the_first_token_as_they_were()
    {
        var stop = new HashSet<int> { 128001, 128008, 128009 };
        var prompt = Golden.PromptIds[0];
        var plain = GreedyDecoder.Generate(fixture.Model, prompt, 12, stop);
        var steer = new[] { FeatureIntervention.Add(8, 40f) };
        GeneratedTokens everywhere, generatedOnly;
        using (FeatureIntervention.Attach(fixture.Model, fixture.Sae, 2, steer))
            everywhere = GreedyDecoder.Generate(fixture.Model, prompt, 12, stop);
        using (FeatureIntervention.Attach(fixture.Model, fixture.Sae, 2, steer, fromPosition: prompt.Length))
            generatedOnly = GreedyDecoder.Generate(fixture.Model, prompt, 12, stop);

        // The first token is predicted from the prompt alone, which the second run leaves untouched.
        Assert.Equal(plain.FirstStepLogits, generatedOnly.FirstStepLogits);
        Assert.Equal(plain.NewIds[0], generatedOnly.NewIds[0]);
        Assert.NotEqual(plain.FirstStepLogits, everywhere.FirstStepLogits);
        // From the second token on the steered residual is read, and a strong push changes what follows.
        Assert.NotEqual(plain.NewIds, generatedOnly.NewIds);
    }

    [Fact]
    public void A_feature_outside_the_sae_or_a_value_that_is_not_finite_is_refused_by_name()
    {
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => FeatureIntervention.Attach(fixture.Model, fixture.Sae, 2, [FeatureIntervention.Add(256, 1f)]));
        Assert.Contains("feature 256 is outside the SAE's 0..255", outside.Message);
        var nan = Assert.Throws<ArgumentOutOfRangeException>(() => FeatureIntervention.Attach(fixture.Model, fixture.Sae, 2, [FeatureIntervention.Clamp(3, float.NaN)]));
        Assert.Contains("must be a finite number", nan.Message);
    }
}
