using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Runs.Generation;
using static TorchSharp.torch;

namespace SaeExplorer.Bench.Gpu;

/// <summary>
/// Decoding speed on random weights of the real shapes, the workload of <c>bench/reference/hf_generate_baseline.py</c>:
/// B prompts of 60 random tokens, greedy, no stop token. A decode step costs (t(1 + N new) − t(1 new)) / N, which
/// leaves out the prefill; the per-layer cost is the difference of two depths over the layers between them, and the
/// whole model is fixed (embedding, head, sampling) + layers × per-layer. With <c>features</c>, an SAE of the
/// Goodfire shape (d → 8d) reads every generated token at layer 0, as <c>saex generate --sae</c> does.
/// </summary>
public sealed class GenerateBenchmark(LlamaConfig config, ScalarType dtype, IReadOnlyList<Device> devices, Action<string>? log = null)
{
    public const int PromptTokens = 60;

    public Dictionary<string, object?> Run(IReadOnlyList<int> depths, int[] batchSizes, int newTokens, int reps, bool features)
    {
        var random = new Random(0);
        var byDepth = new Dictionary<int, Dictionary<string, double>>();
        foreach (var depth in depths)
        {
            log?.Invoke($"building {depth} layers and the head of {config.HiddenSize}-wide Llama on {string.Join(", ", devices)}");
            using var model = LlamaForCausalLM.Create(config, new SyntheticWeights(dtype), depth, withHead: true, devices);
            using var sae = features ? SyntheticSae(model, random) : null;
            var seconds = new Dictionary<string, double>();
            foreach (var b in batchSizes)
            {
                var prompts = Enumerable.Range(0, b).Select(_ => Enumerable.Range(0, PromptTokens).Select(_ => random.Next(128000)).ToArray()).ToArray();
                seconds[$"bs{b}_step_s"] = Step(model, prompts, newTokens, reps, GenerationPlan.Plain);
                if (sae is not null)
                {
                    var plan = new GenerationPlan(new SaeAtLayer(sae, 0), Features: true);
                    seconds[$"bs{b}_step_features_s"] = Step(model, prompts, newTokens, reps, plan);
                    var answers = AnswerGenerator.Generate(model, prompts, new DecodingOptions(1 + newTokens), new HashSet<int>(), plan);
                    seconds[$"bs{b}_active_features_per_token"] = answers.Average(a => (double)a.Features!.NonZeroCount / a.Features.TokenCount);
                }
            }
            byDepth[depth] = seconds;
            log?.Invoke($"{depth} layers: {string.Join(", ", seconds.Select(kv => $"{kv.Key} {kv.Value * 1000:F3} ms"))}");
        }

        var report = new Dictionary<string, object?>
        {
            ["workload"] = new Dictionary<string, object?> { ["prompt_tokens"] = PromptTokens, ["new_tokens"] = newTokens, ["batch_sizes"] = batchSizes },
            ["devices"] = devices.Select(d => d.ToString()).ToList(),
            ["dtype"] = dtype.ToString(),
            ["by_layers_step_s"] = byDepth.ToDictionary(kv => kv.Key.ToString(), kv => (object?)kv.Value),
        };
        if (depths.Count >= 2)
        {
            int lo = depths.Min(), hi = depths.Max();
            var perLayer = byDepth[hi].Where(kv => kv.Key.EndsWith("_s")).ToDictionary(kv => kv.Key, kv => (kv.Value - byDepth[lo][kv.Key]) / (hi - lo));
            var fixedCost = perLayer.ToDictionary(kv => kv.Key, kv => byDepth[lo][kv.Key] - lo * kv.Value);
            int all = config.NumHiddenLayers;
            var whole = perLayer.ToDictionary(kv => kv.Key, kv => fixedCost[kv.Key] + all * kv.Value);
            report["per_layer_step_s"] = perLayer;
            report["fixed_step_s"] = fixedCost;
            report[$"extrapolated_{all}_layers_step_s"] = whole;
            report[$"extrapolated_{all}_layers_tokens_per_s"] = whole.ToDictionary(kv => kv.Key, kv => BatchOf(kv.Key) / kv.Value);
            if (features)
            {
                report["features_extra_fraction"] = batchSizes.ToDictionary(b => $"bs{b}",
                    b => (byDepth[hi][$"bs{b}_step_features_s"] - byDepth[hi][$"bs{b}_step_s"]) / whole[$"bs{b}_step_s"]);
            }
        }
        return report;
    }

    private static int BatchOf(string key) => int.Parse(key[2..key.IndexOf('_')]);

    private double Step(LlamaForCausalLM model, int[][] prompts, int newTokens, int reps, GenerationPlan plan)
    {
        var none = new HashSet<int>();
        double prefill = CaptureBenchmark.Median(() => AnswerGenerator.Generate(model, prompts, new DecodingOptions(1), none, plan), reps, devices);
        double full = CaptureBenchmark.Median(() => AnswerGenerator.Generate(model, prompts, new DecodingOptions(1 + newTokens), none, plan), reps, devices);
        return (full - prefill) / newTokens;
    }

    /// <summary>
    /// A ReLU SAE of the Goodfire shape whose bias leaves ~120 of 8d latents active per token, as the real one does:
    /// the bias is set from the spread of this random model's layer-0 output, measured on one prompt.
    /// </summary>
    private ReluSae SyntheticSae(LlamaForCausalLM model, Random random)
    {
        var device = devices[0];
        int dIn = config.HiddenSize, dSae = 8 * config.HiddenSize;
        double spread;
        using (var noGrad = no_grad())
        using (var probe = PackedBatch.Create([Enumerable.Range(0, PromptTokens).Select(_ => random.Next(128000)).ToArray()], device))
        using (var resid = model.Model.Forward(probe, 0, applyFinalNorm: false))
            spread = resid.to_type(ScalarType.Float32).std().item<float>();
        // Pre-activations are ~N(0, σ²) with σ = 0.02·√dIn·spread; P(z > 2.9σ) ≈ 0.0019 ≈ 121 / 65,536.
        double sigma = 0.02 * Math.Sqrt(dIn) * spread;
        var wEnc = (randn([dIn, dSae], ScalarType.Float32, device) * 0.02).to_type(dtype);
        var bEnc = full([dSae], -2.9 * sigma, dtype, device);
        var wDec = (randn([dSae, dIn], ScalarType.Float32, device) * 0.02).to_type(dtype);
        var bDec = zeros([dIn], dtype, device);
        return new ReluSae(new SaeConfig("standard", dIn, dSae, false, null, "goodfire", "synthetic"), wEnc, bEnc, wDec, bDec);
    }
}
