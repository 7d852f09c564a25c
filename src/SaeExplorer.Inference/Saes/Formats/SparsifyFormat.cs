using System.Text.RegularExpressions;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Runs.Sources;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes.Formats;

/// <summary>
/// EleutherAI sparsify's format: a folder with cfg.json (k, num_latents, d_in) and sae.safetensors (encoder.weight
/// [d_sae, d_in], encoder.bias, W_dec [d_sae, d_in], b_dec), TopK. A checkpoint root keeps one such folder per hook
/// point (<c>layers.N/</c>, the output of decoder layer N); the layer picks one, and the folder's name says which layer
/// its SAE reads.
/// </summary>
public sealed partial class SparsifyFormat : ISaeFormat
{
    private const string WeightsFile = "sae.safetensors";

    public string Name => "sparsify";

    public string? Locate(string path, int? layer)
    {
        if (File.Exists(path))
            return Path.GetFileName(path) == WeightsFile ? Path.GetDirectoryName(Path.GetFullPath(path)) : null;
        if (File.Exists(Path.Combine(path, WeightsFile)))
            return Path.GetFullPath(path);
        var layerDirs = Directory.GetDirectories(path, "layers.*").Select(Path.GetFileName).Order().ToList();
        if (layerDirs.Count == 0)
            return null;
        if (layer is null)
            throw new CheckpointException(path, null, $"this sparsify checkpoint holds {string.Join(", ", layerDirs)}; say which layer to load.");
        var dir = Path.Combine(path, $"layers.{layer}");
        if (!File.Exists(Path.Combine(dir, WeightsFile)))
            throw new CheckpointException(path, null, $"no SAE for layer {layer} here; it holds {string.Join(", ", layerDirs)}.");
        return Path.GetFullPath(dir);
    }

    public SaeSource Describe(string path, string location)
    {
        var cfg = SaeFiles.ReadConfig(location);
        using var file = SafetensorsFile.Open(Path.Combine(location, WeightsFile));
        var w = file["encoder.weight"].Shape;
        if (w.Length != 2)
            throw new CheckpointException(Path.Combine(location, WeightsFile), "encoder.weight", "must be a matrix [d_sae, d_in].");
        var folder = Path.GetFileName(location);
        int? hookLayer = LayerFolder().Match(folder) is { Success: true } m && int.TryParse(m.Groups[1].Value, out int l) ? l : null;
        var files = SaeFiles.FolderFiles(location);
        string weights = $"encoder.weight [{string.Join(", ", w)}]";
        int dSae = SaeFiles.Width(cfg, "num_latents", w[0], weights, location, zeroMeansUnstated: true);
        return new SaeSource(Name, path, location, files, SaeFiles.Width(cfg, "d_in", w[1], weights, location),
            dSae, "topk", hookLayer, hookLayer is null ? null : folder,
            SaeFiles.Fingerprint(files));
    }

    public SparseAutoencoder Load(SaeSource source, ScalarType dtype, Device device)
    {
        var cfg = SaeFiles.ReadConfig(source.Location);
        using var file = SafetensorsFile.Open(Path.Combine(source.Location, WeightsFile));
        Tensor Read(string name) => SaeFiles.Prepare(file.ReadTensor(name), dtype, device, file.Path, name);
        var encW = Read("encoder.weight");
        var config = new SaeConfig("topk", source.DIn, source.DSae, ApplyBDecToInput: true, SaeFiles.OptInt(cfg, "k", source.Location), Name, source.Location);
        // pre = relu((x − b_dec)·encoder.weightᵀ + encoder.bias), then top-k: sparsify's encode.
        return new TopKSae(config, encW.t(), Read("encoder.bias"), Read("W_dec"), Read("b_dec"));
    }

    [GeneratedRegex(@"^layers\.(\d+)$")]
    private static partial Regex LayerFolder();
}
