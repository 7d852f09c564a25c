using System.CommandLine;
using System.Diagnostics;
using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Tokenization;

using SaeExplorer.Inference.Sources;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex capture</c>: residual stream after the chosen layers for every prompt of a JSONL file, written as one
/// safetensors file with float32 <c>{id}.resid_post.{l}</c> [T, d_model] and int64 <c>{id}.input_ids</c> [T].
/// Other tools rely on these names and shapes.
/// </summary>
internal static class CaptureCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face model directory (config.json + safetensors)", Required = true };
        var prompts = new Option<string>("--prompts") { Description = "JSONL: {\"id\", \"messages\"} or {\"id\", \"text\"} per line", Required = true };
        var layers = new Option<string>("--layers") { Description = "comma-separated decoder layers, 0-based (50 = model.layers[50])", Required = true };
        var output = new Option<string>("--out") { Description = "output .safetensors file", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "compute dtype: float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var chatFormat = new Option<string>("--chat-format") { Description = $"{ChatFormats.AcceptedValues} (auto: from tokenizer_config.json)", DefaultValueFactory = _ => "auto" };
        var batchSize = new Option<int>("--batch-size") { Description = "prompts per forward pass", DefaultValueFactory = _ => 8 };
        var gpus = new Option<int>("--gpus") { Description = "with --device cuda: split the layers over GPUs cuda:0..K-1 (a pipeline)", DefaultValueFactory = _ => 1 };
        var command = new Command("capture", "Capture residual-stream activations after chosen layers.")
        {
            model, prompts, layers, output, dtype, device, chatFormat, batchSize, gpus,
        };
        command.SetAction(r => CliRunner.Run("capture", () => Run(new CaptureArgs(
            r.GetValue(model)!, r.GetValue(prompts)!, r.GetValue(layers)!, r.GetValue(output)!,
            r.GetValue(dtype)!, r.GetValue(device)!, r.GetValue(chatFormat)!, r.GetValue(batchSize), r.GetValue(gpus)))));
        return command;
    }

    private sealed record CaptureArgs(string Model, string Prompts, string Layers, string Out, string DType, string Device, string ChatFormat, int BatchSize, int Gpus);

    private static int[] ParseLayers(string value)
    {
        var parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            throw new ArgumentException("--layers is empty; give e.g. --layers 50 or --layers 10,20,50.");
        var layers = new SortedSet<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, out var l) || l < 0)
                throw new ArgumentException($"--layers: '{p}' is not a layer number (0-based decoder layer index).");
            layers.Add(l);
        }
        return [.. layers];
    }

    private static int Run(CaptureArgs a)
    {
        var clock = Stopwatch.StartNew();
        if (a.BatchSize < 1)
            throw new ArgumentException($"--batch-size must be at least 1 (got {a.BatchSize}).");
        var layers = ParseLayers(a.Layers);
        Core.Fingerprints.FileIdentity.RefuseOverwrite(a.Out, "--out", a.Model, a.Prompts);
        var target = ComputeTarget.Parse(a.Device, a.DType);
        var devices = ComputeTarget.Devices(target.Device, a.Gpus);
        var model = SourceResolver.Model(a.Model);
        LayerCheck.EnsureExist(model, layers);

        var format = ChatFormats.Resolve(a.ChatFormat, a.Model);
        var prompts = TokenizedPrompts.FromJsonl(a.Prompts, model, format);
        var encoded = prompts.Select(p => p.Ids).ToArray();
        Console.Error.WriteLine($"{prompts.Count} prompts, {encoded.Sum(e => e.Length)} tokens, chat format {ChatFormats.DisplayName(format)}; " +
                                $"loading layers 0..{layers.Max()} of {model.LayerCount} ({ComputeTarget.FromTorch(target.DType).Name()}, {string.Join(", ", devices)})");

        using var llama = LlamaForCausalLM.Load(a.Model, layers.Max(), withHead: false, target.DType, devices);
        var capture = new ResidualCapture(llama);
        capture.Validate(encoded, layers);

        // The header lists tensors in the order they will be computed, so the file streams out batch by batch.
        var order = ResidualCapture.PlanBatches(encoded.Select(e => e.Length).ToList(), a.BatchSize).SelectMany(b => b).ToList();
        var specs = new List<SafetensorsSpec>();
        foreach (var i in order)
        {
            specs.Add(new SafetensorsSpec(CaptureFile.InputIds(prompts[i].Id), "I64", [encoded[i].Length]));
            foreach (var l in layers)
                specs.Add(new SafetensorsSpec(CaptureFile.ResidPost(prompts[i].Id, l), "F32", [encoded[i].Length, model.HiddenSize]));
        }
        var metadata = new Dictionary<string, string>
        {
            ["format"] = CaptureFile.Format,
            ["model"] = Path.GetFullPath(a.Model),
            ["layers"] = string.Join(",", layers),
            ["dtype"] = ComputeTarget.FromTorch(target.DType).Name(),
            ["chat_format"] = format.ToString(),
            ["d_model"] = model.HiddenSize.ToString(),
        };

        var progress = new ConsoleProgress("capture", prompts.Count, "prompts");
        using var writer = new SafetensorsWriter(a.Out, specs, metadata);
        int done = 0;
        foreach (var result in capture.Run(encoded, layers, a.BatchSize))
        {
            var id = prompts[result.Index].Id;
            writer.Write<long>(CaptureFile.InputIds(id), result.InputIds.Select(x => (long)x).ToArray());
            foreach (var l in layers)
                writer.Write<float>(CaptureFile.ResidPost(id, l), result.ResidPost[l]);
            progress.Report(++done);
        }
        writer.Commit();
        Console.Error.WriteLine($"wrote {a.Out} ({new FileInfo(a.Out).Length / 1e6:F1} MB) in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }
}
