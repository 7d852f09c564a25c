using System.Diagnostics;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Bench.Gpu;

/// <summary>Model shapes a synthetic benchmark can build.</summary>
public static class SyntheticModels
{
    public static LlamaConfig Get(string name) => name switch
    {
        "llama-3.3-70b" => new LlamaConfig(128256, 8192, 28672, 80, 64, 8, 128, 1e-5, 500000.0,
            new RopeScaling("llama3", 8, 1, 4, 8192), 131072, false, "bfloat16"),
        "llama-3.1-8b" => new LlamaConfig(128256, 4096, 14336, 32, 32, 8, 128, 1e-5, 500000.0,
            new RopeScaling("llama3", 8, 1, 4, 8192), 131072, false, "bfloat16"),
        "tiny" => new LlamaConfig(128256, 32, 88, 4, 4, 2, 8, 1e-5, 500000.0,
            new RopeScaling("llama3", 8, 1, 4, 8192), 131072, false, "bfloat16"),
        _ => throw new ArgumentException($"unknown synthetic model '{name}' (llama-3.3-70b, llama-3.1-8b, tiny)"),
    };
}

/// <summary>
/// The capture benchmark of the Python reference (<c>hf_baseline.py</c>), on the same workload: 300 prompts whose
/// lengths Python's <c>random.seed(0); randint(45, 95)</c> draws (20,929 tokens), all of them at batch 16 and 64,
/// and one 60-token prompt; random weights of the real shapes built on the device. Per-layer cost is the difference
/// between two depths divided by the layers between them, and the 51-layer figure is fixed + 51 × per-layer —
/// exactly the script's extrapolation.
/// </summary>
public sealed class CaptureBenchmark(LlamaConfig config, ScalarType dtype, IReadOnlyList<Device> devices, Action<string>? log = null)
{
    public static int[] WorkloadLengths()
    {
        var rng = new PythonRandom(0);
        return Enumerable.Range(0, 300).Select(_ => rng.RandInt(45, 95)).ToArray();
    }

    public sealed record DepthResult(int Layers, Dictionary<string, double> Seconds, long? DeviceMemoryBytes);

    public Dictionary<string, object?> Run(IReadOnlyList<int> depths, int[] batchSizes, int latencyReps = 15, int batchReps = 3)
    {
        var lengths = WorkloadLengths();
        var random = new Random(0);
        var prompts = lengths.Select(l => Enumerable.Range(0, l).Select(_ => random.Next(128000)).ToArray()).ToArray();
        var single = Enumerable.Range(0, 60).Select(_ => random.Next(128000)).ToArray();

        var results = new List<DepthResult>();
        LlamaBackend? backend = null;
        foreach (var depth in depths)
        {
            log?.Invoke($"building {depth} layers of {config.HiddenSize}-wide Llama on {string.Join(", ", devices)}");
            using var model = LlamaForCausalLM.Create(config, new SyntheticWeights(dtype), depth, withHead: false, devices);
            // Every depth's model gets the same backend; the report names the one that ran.
            backend = model.Model.Backend;
            var seconds = new Dictionary<string, double>
            {
                ["latency_1x60_s"] = Median(() => Forward(model, [single]), latencyReps),
            };
            foreach (var bs in batchSizes)
                seconds[$"all300_bs{bs}_s"] = Median(() => ForwardAll(model, prompts, bs), batchReps);
            long? memory = devices.Select(DeviceMemory.UsedBytes).Where(m => m is not null).Sum();
            results.Add(new DepthResult(depth, seconds, memory));
            log?.Invoke($"{depth} layers: {string.Join(", ", seconds.Select(kv => $"{kv.Key} {kv.Value * 1000:F2} ms"))}");
        }

        int tokens = lengths.Sum();
        var report = new Dictionary<string, object?>
        {
            ["workload"] = new Dictionary<string, object?> { ["prompts"] = 300, ["tokens"] = tokens, ["min_len"] = lengths.Min(), ["max_len"] = lengths.Max() },
            ["devices"] = devices.Select(d => d.ToString()).ToList(),
            ["dtype"] = dtype.ToString(),
            ["fused_layer_kernels"] = devices[0].type != DeviceType.CUDA ? "cpu: torch kernels"
                : $"{(backend!.Name == LlamaBackend.FusedCudaName ? "on" : "off")} ({backend.Detail})",
            ["by_layers"] = results.ToDictionary(r => r.Layers.ToString(), r => (object?)new Dictionary<string, object?>(r.Seconds.Select(kv => new KeyValuePair<string, object?>(kv.Key, kv.Value)))
            {
                ["device_memory_in_use_gb"] = r.DeviceMemoryBytes / 1e9,
            }),
        };
        if (results.Count >= 2)
        {
            var lo = results[0];
            var hi = results[^1];
            var perLayer = lo.Seconds.Keys.ToDictionary(k => k, k => (hi.Seconds[k] - lo.Seconds[k]) / (hi.Layers - lo.Layers));
            var fixedCost = perLayer.ToDictionary(kv => kv.Key, kv => lo.Seconds[kv.Key] - lo.Layers * kv.Value);
            var to51 = perLayer.ToDictionary(kv => kv.Key, kv => fixedCost[kv.Key] + 51 * kv.Value);
            report["per_layer_s"] = perLayer;
            report["fixed_s"] = fixedCost;
            report["extrapolated_51_layers_s"] = to51;
            report["extrapolated_51_layers_tokens_per_s"] = to51.Where(kv => kv.Key.StartsWith("all300")).ToDictionary(kv => kv.Key, kv => tokens / kv.Value);
            long flopPerTokenLayer = 2L * (config.HiddenSize * (long)config.NumAttentionHeads * config.HeadDim * 2
                + config.HiddenSize * (long)config.NumKeyValueHeads * config.HeadDim * 2 + 3L * config.HiddenSize * config.IntermediateSize);
            if (perLayer.TryGetValue("all300_bs64_s", out var bs64))
                report["mfu_per_layer_bs64"] = tokens * (double)flopPerTokenLayer / bs64 / 989e12;
        }
        else
        {
            var only = results[0];
            report["per_layer_s"] = only.Seconds.ToDictionary(kv => kv.Key, kv => kv.Value / only.Layers);
            report["tokens_per_s"] = only.Seconds.Where(kv => kv.Key.StartsWith("all300")).ToDictionary(kv => kv.Key, kv => tokens / kv.Value);
        }
        return report;
    }

    /// <summary>
    /// SAE encode of the whole workload's tokens (Goodfire's 8192 → 65,536 shape by default), keeping only active
    /// latents, against a bare matmul of the same size. Random weights would make half the latents fire, so the
    /// encoder bias is set to leave ~121 active per token, as Goodfire's SAE does on Llama-3.3-70B.
    /// </summary>
    public Dictionary<string, object?> RunSae(int dIn, int dSae, int chunkTokens = 4096, int reps = 5)
    {
        int tokens = WorkloadLengths().Sum();
        var device = devices[0];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn([tokens, dIn], ScalarType.Float32, device).to_type(dtype);
        var wEnc = (randn([dIn, dSae], ScalarType.Float32, device) * 0.02).to_type(dtype);
        // pre-activations are ~N(0, σ²) with σ = 0.02·√dIn; P(z > 2.9) ≈ 0.0019 ≈ 121 / 65,536.
        double sigma = 0.02 * Math.Sqrt(dIn);
        var bEnc = full([dSae], -2.9 * sigma, dtype, device);
        var wDec = (randn([dSae, dIn], ScalarType.Float32, device) * 0.02).to_type(dtype);
        var bDec = zeros([dIn], dtype, device);
        // The module takes ownership of these tensors (TorchSharp parameters steal their handles); use sae's own afterwards.
        var sae = new ReluSae(new SaeConfig("standard", dIn, dSae, false, null, "goodfire", "synthetic"), wEnc, bEnc, wDec, bDec);

        int nnz = 0;
        double encode = Median(() => { nnz = sae.EncodeSparse(x, chunkTokens).NonZeroCount; }, reps, device);
        double encodeTorch = Median(() => sae.EncodeSparse(x, chunkTokens, deviceKernels: false), reps, device);
        double matmul = Median(() =>
        {
            for (int s = 0; s < tokens; s += chunkTokens)
            {
                using var y = x.narrow(0, s, Math.Min(chunkTokens, tokens - s)).matmul(sae.EncoderWeight);
            }
        }, reps, device);
        double preActivations = Median(() =>
        {
            for (int s = 0; s < tokens; s += chunkTokens)
            {
                using var y = sae.PreActivations(x.narrow(0, s, Math.Min(chunkTokens, tokens - s)));
            }
        }, reps, device);
        // The two routes must give the same matrix, entry for entry.
        var fast = sae.EncodeSparse(x, chunkTokens);
        var reference = sae.EncodeSparse(x, chunkTokens, deviceKernels: false);
        bool identical = Same(fast, reference);
        // JumpReLU's thresholds go through the kernels' other branch; some negative, so that ReLU still decides there.
        int few = Math.Min(tokens, chunkTokens);
        var thresholds = ((rand([dSae], ScalarType.Float32, device) - 0.25) * sigma).to_type(dtype);
        using var jump = new JumpReluSae(new SaeConfig("jumprelu", dIn, dSae, false, null, "saelens", "synthetic"),
            sae.EncoderWeight.clone(), (sae.get_parameter("b_enc") ?? throw new InvalidOperationException("b_enc")).clone() + 0.5 * sigma,
            sae.DecoderWeight.clone(), zeros([dIn], dtype, device), thresholds);
        var xFew = x.narrow(0, 0, few);
        bool jumpIdentical = Same(jump.EncodeSparse(xFew, chunkTokens), jump.EncodeSparse(xFew, chunkTokens, deviceKernels: false));
        return new Dictionary<string, object?>
        {
            ["tokens"] = tokens,
            ["d_in"] = dIn,
            ["d_sae"] = dSae,
            ["chunk_tokens"] = chunkTokens,
            ["sparse_route"] = sae.SparseRoute(),
            ["active_per_token"] = nnz / (double)tokens,
            ["sae_encode_sparse_s"] = encode,
            ["sae_encode_sparse_torch_route_s"] = encodeTorch,
            ["routes_identical"] = identical,
            ["routes_identical_jumprelu"] = jumpIdentical,
            ["bare_matmul_s"] = matmul,
            ["pre_activations_only_s"] = preActivations,
            ["encode_over_matmul"] = encode / matmul,
            ["torch_route_over_matmul"] = encodeTorch / matmul,
            ["matmul_tflops"] = 2.0 * tokens * dIn * dSae / matmul / 1e12,
        };
    }

    private static bool Same(SparseFeatureMatrix a, SparseFeatureMatrix b) =>
        a.RowStarts.SequenceEqual(b.RowStarts) && a.Indices.SequenceEqual(b.Indices) && a.Values.SequenceEqual(b.Values);

    private void Forward(LlamaForCausalLM model, IReadOnlyList<int[]> prompts)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = PackedBatch.Create(prompts, model.Device);
        model.Model.Forward(batch, model.LoadedLayers - 1, applyFinalNorm: false);
    }

    private void ForwardAll(LlamaForCausalLM model, int[][] prompts, int batchSize)
    {
        // Same batching as the reference: sorted by length, consecutive groups of batchSize.
        var order = Enumerable.Range(0, prompts.Length).OrderBy(i => prompts[i].Length).ToArray();
        foreach (var group in order.Chunk(batchSize))
            Forward(model, group.Select(i => prompts[i]).ToList());
    }

    private double Median(Action action, int reps) => Median(action, reps, devices);

    private static double Median(Action action, int reps, Device device) => Median(action, reps, [device]);

    internal static double Median(Action action, int reps, IReadOnlyList<Device> devices)
    {
        void Sync()
        {
            foreach (var d in devices.Where(d => d.type == DeviceType.CUDA))
                cuda.synchronize(d);
        }
        action();
        Sync();
        var times = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            var watch = Stopwatch.StartNew();
            action();
            Sync();
            times.Add(watch.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
