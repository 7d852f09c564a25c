using System.CommandLine;
using System.Diagnostics;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Settings;
using static TorchSharp.torch;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex encode</c>: SAE features of a <c>saex capture</c> file. Dense output is <c>{id}.features</c> [T, d_sae]
/// float32; the default sparse output is CSR per prompt — <c>{id}.features.row_starts</c> int64 [T+1],
/// <c>{id}.features.indices</c> int32 [nnz] (ascending within a token) and <c>{id}.features.values</c> float32 [nnz] —
/// with <c>d_sae</c> in the metadata. In Python: <c>torch.sparse_csr_tensor(row_starts, indices, values, (T, d_sae))</c>.
/// </summary>
internal static class EncodeCommand
{
    public static Command Create()
    {
        var sae = new Option<string>("--sae") { Description = "SAE: Goodfire .pt, SAELens folder, or sparsify folder", Required = true };
        var acts = new Option<string>("--acts") { Description = "activations written by saex capture", Required = true };
        var layer = new Option<int>("--layer") { Description = "which captured layer to encode (resid_post.{layer})", Required = true };
        var output = new Option<string>("--out") { Description = "output .safetensors file", Required = true };
        var dense = new Option<bool>("--dense") { Description = "write dense [T, d_sae] features instead of CSR" };
        var forceLayer = new Option<bool>("--force-layer") { Description = "encode --layer even where the SAE's files say it was trained on another layer" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "SAE compute dtype: float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var command = new Command("encode", "Encode captured activations with an SAE.") { sae, acts, layer, output, dense, forceLayer, device, dtype };
        command.SetAction(r => CliRunner.Run("encode", () => Run(r.GetValue(sae)!, r.GetValue(acts)!, r.GetValue(layer), r.GetValue(output)!,
            r.GetValue(dense), r.GetValue(forceLayer), r.GetValue(device)!, r.GetValue(dtype)!)));
        return command;
    }

    private static int Run(string saePath, string actsPath, int layer, string outPath, bool dense, bool forceLayer, string device, string dtype)
    {
        var clock = Stopwatch.StartNew();
        var target = ComputeTarget.Parse(device, dtype);
        Core.Fingerprints.FileIdentity.RefuseOverwrite(outPath, "--out", actsPath, saePath);
        using var acts = SafetensorsFile.Open(actsPath);
        var ids = acts.Entries.Where(e => CaptureFile.LayerOf(e.Name) == layer).Select(e => e.Name[..^CaptureFile.ResidPost("", layer).Length]).ToList();
        if (ids.Count == 0)
        {
            var layers = acts.Entries.Select(e => CaptureFile.LayerOf(e.Name)).OfType<int>().Distinct().Order();
            throw new ArgumentException($"{actsPath} has no resid_post.{layer} tensors; it holds layer(s) {string.Join(", ", layers)}.");
        }

        var source = SourceResolver.Sae(saePath, layer);
        int dModel = (int)acts[CaptureFile.ResidPost(ids[0], layer)].Shape[1];
        if ((LayerCheck.HookProblem(source, layer, forceLayer) ?? LayerCheck.WidthProblem(source, dModel, $"the activations in {actsPath} are")) is { } problem)
            throw problem;
        using var model = SaeFormats.Load(source, target.DType, target.Device);
        var quality = new ReconstructionStatistics(model.DIn);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = dense ? "saex.features.dense.v1" : "saex.features.csr.v1",
            ["sae"] = Path.GetFullPath(saePath),
            ["architecture"] = model.Config.Architecture,
            ["layer"] = layer.ToString(),
            ["d_sae"] = model.DSae.ToString(),
        };
        var inputs = ids.Select(id => (Id: id, Tensor: CaptureFile.ResidPost(id, layer))).ToList();
        if (dense)
            WriteDense(model, acts, inputs, outPath, metadata, quality);
        else
            WriteSparse(model, acts, inputs, outPath, metadata, quality);
        Console.Error.WriteLine(RunCommand.QualityLine(quality.Result()));
        Console.Error.WriteLine($"wrote {outPath} ({ids.Count} prompts, {model.Config.Architecture} SAE, d_sae {model.DSae}) in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }

    private static void WriteDense(SparseAutoencoder model, SafetensorsFile acts, List<(string Id, string Tensor)> inputs, string outPath,
        Dictionary<string, string> metadata, ReconstructionStatistics quality)
    {
        var specs = inputs.Select(p => new SafetensorsSpec(FeatureFile.Dense(p.Id), "F32", [acts[p.Tensor].Shape[0], model.DSae])).ToList();
        var progress = new ConsoleProgress("encode", inputs.Count, "prompts");
        using var writer = new SafetensorsWriter(outPath, specs, metadata);
        for (int i = 0; i < inputs.Count; i++)
        {
            using var scope = NewDisposeScope();
            var x = acts.ReadTensor(inputs[i].Tensor);
            var encoded = model.Encode(x);
            quality.Add(x, encoded, model.Decode(encoded));
            var f = encoded.to_type(ScalarType.Float32).cpu();
            writer.Write<float>(FeatureFile.Dense(inputs[i].Id), f.data<float>().ToArray());
            progress.Report(i + 1);
        }
        writer.Commit();
    }

    private static void WriteSparse(SparseAutoencoder model, SafetensorsFile acts, List<(string Id, string Tensor)> inputs, string outPath,
        Dictionary<string, string> metadata, ReconstructionStatistics quality)
    {
        // CSR sizes are known only after encoding, so encode first and then stream the file out.
        var progress = new ConsoleProgress("encode", inputs.Count, "prompts");
        var encoded = new List<Core.Features.SparseFeatureMatrix>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            using var x = acts.ReadTensor(inputs[i].Tensor);
            encoded.Add(model.EncodeSparse(x, quality: quality));
            progress.Report(i + 1);
        }
        var specs = new List<SafetensorsSpec>();
        for (int i = 0; i < inputs.Count; i++)
        {
            specs.Add(new SafetensorsSpec(FeatureFile.RowStarts(inputs[i].Id), "I64", [encoded[i].TokenCount + 1]));
            specs.Add(new SafetensorsSpec(FeatureFile.Indices(inputs[i].Id), "I32", [encoded[i].NonZeroCount]));
            specs.Add(new SafetensorsSpec(FeatureFile.Values(inputs[i].Id), "F32", [encoded[i].NonZeroCount]));
        }
        using var writer = new SafetensorsWriter(outPath, specs, metadata);
        for (int i = 0; i < inputs.Count; i++)
        {
            writer.Write<long>(FeatureFile.RowStarts(inputs[i].Id), encoded[i].RowStarts.Select(x => (long)x).ToArray());
            writer.Write<int>(FeatureFile.Indices(inputs[i].Id), encoded[i].Indices);
            writer.Write<float>(FeatureFile.Values(inputs[i].Id), encoded[i].Values);
        }
        writer.Commit();
    }
}
