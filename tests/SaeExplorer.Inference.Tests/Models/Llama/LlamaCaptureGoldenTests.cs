using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Models.Llama;

/// <summary>The fp32 model with its head, loaded once for all golden tests.</summary>
public sealed class TinyLlamaFloat32 : IDisposable
{
    public TinyLlamaFloat32() => Model = LlamaForCausalLM.Load(FixturePaths.TinyModel, 3, withHead: true, ScalarType.Float32, CPU);

    public LlamaForCausalLM Model { get; }

    public void Dispose() => Model.Dispose();
}

public sealed class LlamaCaptureGoldenTests(TinyLlamaFloat32 tiny) : IClassFixture<TinyLlamaFloat32>
{
    // The bound for float32 on CPU; a correct implementation lands near 1e-5.
    private const double Float32Tolerance = 1e-4;
    private static readonly int[] AllLayers = [0, 1, 2, 3];

    public static TheoryData<int> Prompts()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Golden.PromptCount; i++)
            data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void One_prompt_at_a_time_matches_transformers_at_every_layer(int prompt)
    {
        var capture = new ResidualCapture(tiny.Model);
        var result = Assert.Single(capture.Run([Golden.PromptIds[prompt]], AllLayers, batchSize: 1));
        Assert.Equal(Golden.PromptIds[prompt], result.InputIds);
        foreach (var layer in AllLayers)
        {
            var golden = Golden.Capture($"p{prompt}.resid_post.{layer}");
            var diff = Golden.MaxAbsDiff(result.ResidPost[layer], golden);
            Assert.True(diff <= Float32Tolerance, $"p{prompt} layer {layer}: max |diff| {diff:E2} > {Float32Tolerance:E0}");
        }
    }

    [Fact]
    public void All_prompts_in_one_padded_batch_match_the_unpadded_goldens()
    {
        var capture = new ResidualCapture(tiny.Model);
        var lengths = Golden.PromptIds.Select(p => p.Length).ToArray();
        Assert.True(lengths.Distinct().Count() > 1, "the batch must actually need padding");

        var results = capture.Run(Golden.PromptIds, AllLayers, batchSize: Golden.PromptCount).ToList();

        Assert.Equal(Golden.PromptCount, results.Count);
        Assert.Equal(Enumerable.Range(0, Golden.PromptCount), results.Select(r => r.Index).Order());
        foreach (var r in results)
        {
            foreach (var layer in AllLayers)
            {
                var diff = Golden.MaxAbsDiff(r.ResidPost[layer], Golden.Capture($"p{r.Index}.resid_post.{layer}"));
                Assert.True(diff <= Float32Tolerance, $"p{r.Index} layer {layer} (batched): max |diff| {diff:E2}");
            }
        }
    }

    [Fact]
    public void Embeddings_final_norm_and_logits_match_transformers()
    {
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var batch = PackedBatch.Create([Golden.PromptIds[p]], CPU);
            float[]? embed = null;
            Tensor finalNorm;
            using (tiny.Model.Hooks.Embed.Attach((h, _) =>
            {
                embed = h.to_type(ScalarType.Float32).data<float>().ToArray();
                return null;
            }))
            {
                finalNorm = tiny.Model.Model.Forward(batch, 3, applyFinalNorm: true);
            }
            Assert.True(Golden.MaxAbsDiff(embed!, Golden.Capture($"p{p}.embed")) <= Float32Tolerance);
            Assert.True(Golden.MaxAbsDiff(finalNorm.data<float>().ToArray(), Golden.Capture($"p{p}.final_norm")) <= Float32Tolerance);

            var logits = tiny.Model.Logits(batch);
            var last = logits[-1].data<float>().ToArray();
            var topValues = Golden.Capture($"p{p}.logits_last_top20_values");
            var topIds = Golden.Longs(FixturePaths.GoldenCapture, $"p{p}.logits_last_top20_ids");
            var ours = last.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Take(20).ToArray();
            for (int k = 0; k < 20; k++)
            {
                Assert.True(Math.Abs(ours[k].v - topValues[k]) <= Float32Tolerance, $"p{p} top-{k} logit {ours[k].v} vs {topValues[k]}");
                // Neighbouring logits can sit within 1e-4 of each other; compare ids only where the order is decided.
                bool separated = (k == 0 || topValues[k - 1] - topValues[k] > Float32Tolerance) && (k == 19 || topValues[k] - topValues[k + 1] > Float32Tolerance);
                if (separated)
                    Assert.Equal(topIds[k], ours[k].i);
                Assert.True(Math.Abs(last[topIds[k]] - topValues[k]) <= Float32Tolerance, $"p{p} logit of golden id {topIds[k]}");
            }
        }
    }

    [Fact]
    public void Llama3_rope_inverse_frequencies_match_transformers()
    {
        var golden = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(FixturePaths.Golden, "golden_rope.json")))
            .RootElement.GetProperty("inv_freq").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        var config = tiny.Model.Config;
        Assert.Equal("llama3", config.RopeScaling.RopeType);
        var ours = RotaryEmbedding.InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
        Assert.Equal(golden.Length, ours.Length);
        for (int i = 0; i < golden.Length; i++)
            Assert.True(Math.Abs(ours[i] - golden[i]) <= 1e-6 * Math.Abs(golden[i]), $"inv_freq[{i}] {ours[i]:R} vs {golden[i]:R}");
    }

    [Fact]
    public void Repeated_captures_do_not_leak_tensors()
    {
        var capture = new ResidualCapture(tiny.Model);
        capture.Run(Golden.PromptIds, AllLayers, batchSize: 4).ToList();
        DisposeScopeManager.Statistics.Reset();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
            capture.Run(Golden.PromptIds, AllLayers, batchSize: 4).ToList();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
