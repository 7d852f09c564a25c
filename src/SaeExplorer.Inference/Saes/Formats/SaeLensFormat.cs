using System.Text.Json;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Runs.Sources;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes.Formats;

/// <summary>
/// SAELens' format: a folder with cfg.json (architecture, d_in, d_sae, apply_b_dec_to_input, hook_name, …) and
/// sae_weights.safetensors (W_enc, b_enc, W_dec, b_dec[, threshold]). The hook name (top level, or under
/// <c>metadata</c> in SAELens 6) says which layer it reads.
/// </summary>
public sealed class SaeLensFormat : ISaeFormat
{
    private const string WeightsFile = "sae_weights.safetensors";

    public string Name => "saelens";

    public string? Locate(string path, int? layer)
    {
        if (File.Exists(path))
            return Path.GetFileName(path) == WeightsFile ? Path.GetDirectoryName(Path.GetFullPath(path)) : null;
        return File.Exists(Path.Combine(path, WeightsFile)) ? Path.GetFullPath(path) : null;
    }

    public SaeSource Describe(string path, string location)
    {
        var cfg = SaeFiles.ReadConfig(location);
        var architecture = Architecture(cfg, location);
        using var file = SafetensorsFile.Open(Path.Combine(location, WeightsFile));
        var w = file["W_enc"].Shape;
        if (w.Length != 2)
            throw new CheckpointException(file.Path, "W_enc", "must be a matrix [d_in, d_sae].");
        var hookName = SaeFiles.OptString(cfg, "hook_name")
            ?? (cfg.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object ? SaeFiles.OptString(meta, "hook_name") : null);
        int? hookLayer = hookName is not null ? SaeFiles.LayerOfHook(hookName) : SaeFiles.OptInt(cfg, "hook_layer", location);
        var files = SaeFiles.FolderFiles(location);
        string weights = $"W_enc [{string.Join(", ", w)}]";
        return new SaeSource(Name, path, location, files, SaeFiles.Width(cfg, "d_in", w[0], weights, location), SaeFiles.Width(cfg, "d_sae", w[1], weights, location),
            architecture, hookLayer, hookName, SaeFiles.Fingerprint(files));
    }

    public SparseAutoencoder Load(SaeSource source, ScalarType dtype, Device device)
    {
        var dir = source.Location;
        var cfg = SaeFiles.ReadConfig(dir);
        if (cfg.TryGetProperty("normalize_activations", out var norm) && norm.ValueKind == JsonValueKind.String && norm.GetString() is not ("none" or ""))
            throw new CheckpointException(Path.Combine(dir, "cfg.json"), null, $"normalize_activations '{norm.GetString()}' is not supported yet (only 'none').");
        int? k = SaeFiles.OptInt(cfg, "k", dir);
        if (k is null && cfg.TryGetProperty("activation_fn_kwargs", out var kw) && kw.ValueKind == JsonValueKind.Object)
            k = SaeFiles.OptInt(kw, "k", dir);
        using var file = SafetensorsFile.Open(Path.Combine(dir, WeightsFile));
        Tensor Read(string name) => SaeFiles.Prepare(file.ReadTensor(name), dtype, device, file.Path, name);
        var config = new SaeConfig(source.Architecture, source.DIn, source.DSae,
            ApplyBDecToInput: !cfg.TryGetProperty("apply_b_dec_to_input", out var ab) || ab.ValueKind != JsonValueKind.False,
            k, Name, dir);
        return source.Architecture switch
        {
            "standard" => new ReluSae(config, Read("W_enc"), Read("b_enc"), Read("W_dec"), Read("b_dec")),
            "jumprelu" => new JumpReluSae(config, Read("W_enc"), Read("b_enc"), Read("W_dec"), Read("b_dec"), Read("threshold")),
            _ => new TopKSae(config, Read("W_enc"), Read("b_enc"), Read("W_dec"), Read("b_dec")),
        };
    }

    private static string Architecture(JsonElement cfg, string dir)
    {
        var architecture = cfg.TryGetProperty("architecture", out var a) ? a.ValueKind == JsonValueKind.String ? a.GetString()! : null : "standard";
        return architecture is "standard" or "jumprelu" or "topk"
            ? architecture
            : throw new CheckpointException(Path.Combine(dir, "cfg.json"), null, $"architecture '{(a.ValueKind == JsonValueKind.String ? a.GetString() : a.ToString())}' is not supported (standard, jumprelu, topk).");
    }
}
