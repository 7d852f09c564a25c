using System.CommandLine;
using System.Text.Json;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Runs.Settings;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Bench.Gpu;

/// <summary>
/// <c>saex-bench capture --synthetic llama-3.3-70b</c>: the capture workload of the Python reference on random
/// weights of the real shapes, built on the device; prints JSON (per-layer ms, tokens/s extrapolated to layers
/// 0–50, device memory) to stdout.
/// </summary>
internal static class BenchCommands
{
    public static RootCommand Create()
    {
        var synthetic = new Option<string>("--synthetic") { Description = "model shapes: llama-3.3-70b, llama-3.1-8b, tiny", Required = true };
        var layers = new Option<string>("--layers") { Description = "depths to build, comma-separated; two depths give the per-layer difference", DefaultValueFactory = _ => "2,6" };
        var device = new Option<string>("--device") { Description = "cpu or cuda", DefaultValueFactory = _ => "cuda" };
        var gpus = new Option<int>("--gpus") { Description = "spread the layers over this many GPUs (cuda:0..K-1)", DefaultValueFactory = _ => 1 };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16", DefaultValueFactory = _ => "bfloat16" };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "batch sizes for the 300-prompt workload", DefaultValueFactory = _ => "16,64" };
        var sae = new Option<bool>("--sae") { Description = "also time the SAE encode (8192 → 65,536 for the 70B) against a bare matmul" };
        var output = new Option<string?>("--out") { Description = "also write the JSON here" };
        var reps = new Option<int?>("--reps") { Description = "timed repetitions of each measurement after one warm-up (default: 15 for the one-prompt latency, 3 for the workload); 1 for a profiler run" };
        var capture = new Command("capture", "Time the capture forward pass on synthetic weights.") { synthetic, layers, device, gpus, dtype, batchSizes, sae, reps, output };
        capture.SetAction(r => Report("capture", () => Run(r.GetValue(synthetic)!, r.GetValue(layers)!, r.GetValue(device)!, r.GetValue(gpus),
            r.GetValue(dtype)!, r.GetValue(batchSizes)!, r.GetValue(sae), r.GetValue(reps), r.GetValue(output))));
        var model = new Option<string>("--model") { Description = "model directory to load", Required = true };
        var deepest = new Option<int?>("--deepest-layer") { Description = "load only layers 0..N (default: everything, with the head)" };
        var loadDevice = new Option<string>("--device") { Description = "cuda or cpu", DefaultValueFactory = _ => "cuda" };
        var dropCaches = new Option<bool>("--drop-caches") { Description = "empty the page cache first (root; Linux) to time a cold read" };
        var load = new Command("load", "Time loading a checkpoint onto the device.") { model, deepest, loadDevice, dropCaches, output };
        load.SetAction(r => Report("load", () => RunLoad(r.GetValue(model)!, r.GetValue(deepest), r.GetValue(loadDevice)!, r.GetValue(dropCaches), r.GetValue(output))));
        var genLayers = new Option<string>("--layers") { Description = "depths to build (with the head), comma-separated", DefaultValueFactory = _ => "4,8" };
        var genBatch = new Option<string>("--batch-sizes") { Description = "prompts decoded together", DefaultValueFactory = _ => "1,64" };
        var newTokens = new Option<int>("--new-tokens") { Description = "decode steps timed", DefaultValueFactory = _ => 64 };
        var features = new Option<bool>("--features") { Description = "also time decoding with an SAE (d → 8d) reading every generated token" };
        var genReps = new Option<int>("--reps") { Description = "timed repetitions after one warm-up", DefaultValueFactory = _ => 3 };
        var generate = new Command("generate", "Time KV-cached decoding on synthetic weights.") { synthetic, genLayers, device, gpus, dtype, genBatch, newTokens, features, genReps, output };
        generate.SetAction(r => Report("generate", () => RunGenerate(r.GetValue(synthetic)!, r.GetValue(genLayers)!, r.GetValue(device)!, r.GetValue(gpus),
            r.GetValue(dtype)!, r.GetValue(genBatch)!, r.GetValue(newTokens), r.GetValue(features), r.GetValue(genReps), r.GetValue(output))));
        return new RootCommand("saex-bench: GPU benchmarks of the capture pass, decoding and loading (bench/README.md says how results are recorded).") { capture, generate, load };
    }

    /// <summary>A benchmark's bad option is one line on stderr and exit 2, as in saex.</summary>
    private static int Report(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or SettingsException)
        {
            Console.Error.WriteLine($"saex-bench {command}: error: {e.Message}");
            return 2;
        }
    }

    private static int RunLoad(string modelDir, int? deepestLayer, string device, bool dropCaches, string? output)
    {
        var target = ComputeTarget.ToTorch(ComputeDevice.Parse(device));
        var config = LlamaConfig.Load(Path.Combine(modelDir, "config.json"));
        int deepest = deepestLayer ?? config.NumHiddenLayers - 1;
        bool withHead = deepestLayer is null;
        if (dropCaches)
            File.WriteAllText("/proc/sys/vm/drop_caches", "3\n");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (var model = LlamaForCausalLM.Load(modelDir, deepest, withHead, ScalarType.BFloat16, target))
        {
            if (target.type == DeviceType.CUDA)
                cuda.synchronize(target);
            watch.Stop();
            // Fused q/k/v and gate/up parameters are views of one matrix each; count the bytes read, not the views twice.
            long bytes = model.named_parameters().Select(p => p.parameter).Sum(p => p.NumberOfElements * p.ElementSize);
            var report = new Dictionary<string, object?>
            {
                ["model"] = Path.GetFullPath(modelDir),
                ["layers_loaded"] = deepest + 1,
                ["with_head"] = withHead,
                ["cold"] = dropCaches,
                ["bytes"] = bytes,
                ["seconds"] = watch.Elapsed.TotalSeconds,
                ["gb_per_s"] = bytes / watch.Elapsed.TotalSeconds / 1e9,
            };
            var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
            Console.WriteLine(json);
            if (output is not null)
                File.WriteAllText(output, json);
        }
        return 0;
    }

    private static int RunGenerate(string synthetic, string layers, string device, int gpus, string dtype, string batchSizes, int newTokens, bool features, int reps, string? output)
    {
        if (newTokens < 1 || reps < 1)
            throw new ArgumentException("--new-tokens and --reps must be at least 1.");
        var config = SyntheticModels.Get(synthetic);
        var devices = ComputeTarget.Devices(ComputeTarget.ToTorch(ComputeDevice.Parse(device)), gpus);
        var bench = new GenerateBenchmark(config, ComputeTarget.ToTorch(ComputeDTypes.Parse(dtype)), devices, line => Console.Error.WriteLine(line));
        var report = new Dictionary<string, object?> { ["synthetic"] = synthetic, ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd") };
        foreach (var (k, v) in bench.Run(ParseInts(layers, "--layers"), ParseInts(batchSizes, "--batch-sizes"), newTokens, reps, features))
            report[k] = v;
        var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        if (output is not null)
            File.WriteAllText(output, json);
        return 0;
    }

    private static int[] ParseInts(string value, string option) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(v => int.TryParse(v, out var i) && i > 0 ? i : throw new ArgumentException($"{option}: '{v}' is not a positive integer."))
            .ToArray();

    private static int Run(string synthetic, string layers, string device, int gpus, string dtype, string batchSizes, bool withSae, int? reps, string? output)
    {
        if (reps is <= 0)
            throw new ArgumentException($"--reps must be at least 1, not {reps}.");
        var config = SyntheticModels.Get(synthetic);
        var first = ComputeTarget.ToTorch(ComputeDevice.Parse(device));
        var devices = ComputeTarget.Devices(first, gpus);
        var bench = new CaptureBenchmark(config, ComputeTarget.ToTorch(ComputeDTypes.Parse(dtype)), devices, line => Console.Error.WriteLine(line));

        var report = new Dictionary<string, object?>
        {
            ["synthetic"] = synthetic,
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd"),
        };
        foreach (var (k, v) in bench.Run(ParseInts(layers, "--layers"), ParseInts(batchSizes, "--batch-sizes"), reps ?? 15, reps ?? 3))
            report[k] = v;
        if (withSae)
            report["sae"] = bench.RunSae(config.HiddenSize, 8 * config.HiddenSize, reps: reps ?? 5);
        var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        if (output is not null)
            File.WriteAllText(output, json);
        return 0;
    }
}
