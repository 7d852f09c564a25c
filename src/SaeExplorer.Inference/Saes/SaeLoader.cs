using System.Text.Json;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Saes.Formats;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes;

/// <summary>
/// Loads an SAE from a path, detecting the file format from what is there (SAELens's loaders are keyed the same
/// way): a <c>.pt</c>/<c>.pth</c> file is Goodfire's state dict; a folder (or file) with
/// <c>sae_weights.safetensors</c> is SAELens; with <c>sae.safetensors</c> is sparsify; a sparsify checkpoint root
/// holding <c>layers.N/</c> folders needs the layer to pick one.
/// </summary>
public static class SaeLoader
{
    public static SparseAutoencoder Load(string path, ScalarType dtype, Device device, int? layer = null)
    {
        var (format, location) = Detect(path, layer);
        using var noGrad = no_grad();
        return format switch
        {
            SaeFormat.Goodfire => GoodfireSaeLoader.Load(location, dtype, device),
            SaeFormat.SaeLens => SaeLensLoader.Load(location, dtype, device),
            SaeFormat.Sparsify => SparsifyLoader.Load(location, dtype, device),
            _ => throw new NotSupportedException(format.ToString()),
        };
    }

    public static (SaeFormat Format, string Location) Detect(string path, int? layer = null)
    {
        if (File.Exists(path))
        {
            var name = Path.GetFileName(path);
            var ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext is ".pt" or ".pth")
                return (SaeFormat.Goodfire, path);
            if (name == "sae_weights.safetensors")
                return (SaeFormat.SaeLens, Path.GetDirectoryName(Path.GetFullPath(path))!);
            if (name == "sae.safetensors")
                return (SaeFormat.Sparsify, Path.GetDirectoryName(Path.GetFullPath(path))!);
            throw new CheckpointException(path, null,
                "unknown SAE file: expected a Goodfire .pt/.pth state dict, SAELens sae_weights.safetensors or sparsify sae.safetensors.");
        }
        if (!Directory.Exists(path))
            throw new CheckpointException(path, null, "SAE file or folder not found.");
        if (File.Exists(Path.Combine(path, "sae_weights.safetensors")))
            return (SaeFormat.SaeLens, path);
        if (File.Exists(Path.Combine(path, "sae.safetensors")))
            return (SaeFormat.Sparsify, path);
        var layerDirs = Directory.GetDirectories(path, "layers.*").Select(Path.GetFileName).Order().ToList();
        if (layerDirs.Count > 0)
        {
            if (layer is null)
                throw new CheckpointException(path, null, $"this sparsify checkpoint holds {string.Join(", ", layerDirs)}; say which layer to load.");
            var dir = Path.Combine(path, $"layers.{layer}");
            if (!Directory.Exists(dir))
                throw new CheckpointException(path, null, $"no SAE for layer {layer} here; it holds {string.Join(", ", layerDirs)}.");
            return Detect(dir);
        }
        throw new CheckpointException(path, null,
            "no SAE found in this folder: expected sae_weights.safetensors + cfg.json (SAELens), sae.safetensors + cfg.json (sparsify) or layers.N/ folders, or pass a Goodfire .pt file.");
    }

    /// <summary>d_in and d_sae from the file headers alone (no weights read), to check a multi-GB SAE before loading it.</summary>
    public static (int DIn, int DSae) ReadDimensions(string path, int? layer = null)
    {
        var (format, location) = Detect(path, layer);
        switch (format)
        {
            case SaeFormat.Goodfire:
            {
                var shapes = TorchCheckpointReader.ReadShapes(location);
                if (!shapes.TryGetValue("encoder_linear.weight", out var w) || w.Length != 2)
                    throw new CheckpointException(location, "encoder_linear.weight", "missing or not a matrix; not a Goodfire SAE.");
                return ((int)w[1], (int)w[0]);
            }
            case SaeFormat.SaeLens:
            {
                using var file = SafetensorsFile.Open(Path.Combine(location, "sae_weights.safetensors"));
                var w = file["W_enc"].Shape;
                return ((int)w[0], (int)w[1]);
            }
            default:
            {
                using var file = SafetensorsFile.Open(Path.Combine(location, "sae.safetensors"));
                var w = file["encoder.weight"].Shape;
                return ((int)w[1], (int)w[0]);
            }
        }
    }

    /// <summary>Refuses an SAE trained on a different width than the model's residual stream, naming both numbers.</summary>
    public static void EnsureFits(SparseAutoencoder sae, int modelWidth, string modelDescription)
    {
        if (sae.DIn != modelWidth)
            throw new ArgumentException(
                $"the SAE {sae.Config.Source} reads d_in = {sae.DIn} but {modelDescription} has hidden size {modelWidth}; it was trained for another model.");
    }

    internal static JsonElement ReadConfig(string dir)
    {
        var path = Path.Combine(dir, "cfg.json");
        if (!File.Exists(path))
            throw new CheckpointException(path, null, "cfg.json not found beside the SAE weights.");
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"not valid JSON ({e.Message}).", e);
        }
    }

    internal static int? OptInt(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    internal static Tensor Prepare(Tensor t, ScalarType dtype, Device device)
    {
        var result = t.to(dtype, device);
        if (!ReferenceEquals(result, t))
            t.Dispose();
        return result;
    }
}

/// <summary>Goodfire's format: <c>torch.save</c> of {encoder_linear.weight [d_sae, d_in], encoder_linear.bias, decoder_linear.weight [d_in, d_sae], decoder_linear.bias}.</summary>
public static class GoodfireSaeLoader
{
    public static SparseAutoencoder Load(string path, ScalarType dtype, Device device)
    {
        var tensors = TorchCheckpointReader.ReadStateDict(path);
        try
        {
            Tensor Take(string name) => tensors.Remove(name, out var t)
                ? SaeLoader.Prepare(t, dtype, device)
                : throw new CheckpointException(path, name, $"missing; a Goodfire SAE has encoder_linear.weight/bias and decoder_linear.weight/bias (found: {string.Join(", ", tensors.Keys)}).");
            var encW = Take("encoder_linear.weight");
            var encB = Take("encoder_linear.bias");
            var decW = Take("decoder_linear.weight");
            var decB = Take("decoder_linear.bias");
            if (encW.dim() != 2)
                throw new CheckpointException(path, "encoder_linear.weight", "must be a matrix [d_sae, d_in].");
            var config = new SaeConfig("standard", (int)encW.shape[1], (int)encW.shape[0], ApplyBDecToInput: false, K: null, SaeFormat.Goodfire, path);
            // f = relu(x·Wencᵀ + b): the transposed views keep nn.Linear's memory layout for the products.
            return new ReluSae(config, encW.t(), encB, decW.t(), decB);
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
    }
}

/// <summary>SAELens's format: cfg.json (architecture, d_in, d_sae, apply_b_dec_to_input, …) + sae_weights.safetensors.</summary>
public static class SaeLensLoader
{
    public static SparseAutoencoder Load(string dir, ScalarType dtype, Device device)
    {
        var cfg = SaeLoader.ReadConfig(dir);
        var weightsPath = Path.Combine(dir, "sae_weights.safetensors");
        var architecture = cfg.TryGetProperty("architecture", out var a) ? a.GetString() ?? "standard" : "standard";
        if (cfg.TryGetProperty("normalize_activations", out var norm) && norm.ValueKind == JsonValueKind.String && norm.GetString() is not ("none" or ""))
            throw new CheckpointException(Path.Combine(dir, "cfg.json"), null, $"normalize_activations '{norm.GetString()}' is not supported yet (only 'none').");
        int? k = SaeLoader.OptInt(cfg, "k");
        if (k is null && cfg.TryGetProperty("activation_fn_kwargs", out var kw) && kw.ValueKind == JsonValueKind.Object)
            k = SaeLoader.OptInt(kw, "k");
        using var file = SafetensorsFile.Open(weightsPath);
        Tensor Read(string name) => SaeLoader.Prepare(file.ReadTensor(name), dtype, device);
        var wEnc = Read("W_enc");
        var config = new SaeConfig(architecture,
            SaeLoader.OptInt(cfg, "d_in") ?? (int)wEnc.shape[0],
            SaeLoader.OptInt(cfg, "d_sae") ?? (int)wEnc.shape[1],
            ApplyBDecToInput: !cfg.TryGetProperty("apply_b_dec_to_input", out var ab) || ab.ValueKind != JsonValueKind.False,
            k, SaeFormat.SaeLens, dir, SaeLoader.OptInt(cfg, "hook_layer"));
        return architecture switch
        {
            "standard" => new ReluSae(config, wEnc, Read("b_enc"), Read("W_dec"), Read("b_dec")),
            "jumprelu" => new JumpReluSae(config, wEnc, Read("b_enc"), Read("W_dec"), Read("b_dec"), Read("threshold")),
            "topk" => new TopKSae(config, wEnc, Read("b_enc"), Read("W_dec"), Read("b_dec")),
            _ => throw new CheckpointException(Path.Combine(dir, "cfg.json"), null, $"architecture '{architecture}' is not supported (standard, jumprelu, topk)."),
        };
    }
}

/// <summary>EleutherAI sparsify's format: cfg.json (k, num_latents, d_in) + sae.safetensors (encoder.weight [d_sae, d_in], encoder.bias, W_dec [d_sae, d_in], b_dec).</summary>
public static class SparsifyLoader
{
    public static SparseAutoencoder Load(string dir, ScalarType dtype, Device device)
    {
        var cfg = SaeLoader.ReadConfig(dir);
        using var file = SafetensorsFile.Open(Path.Combine(dir, "sae.safetensors"));
        Tensor Read(string name) => SaeLoader.Prepare(file.ReadTensor(name), dtype, device);
        var encW = Read("encoder.weight");
        int dSae = (int)encW.shape[0], dIn = (int)encW.shape[1];
        var config = new SaeConfig("topk", SaeLoader.OptInt(cfg, "d_in") ?? dIn, SaeLoader.OptInt(cfg, "num_latents") is > 0 and var n ? n : dSae,
            ApplyBDecToInput: true, SaeLoader.OptInt(cfg, "k"), SaeFormat.Sparsify, dir);
        // pre = relu((x − b_dec)·encoder.weightᵀ + encoder.bias), then top-k: sparsify's encode.
        return new TopKSae(config, encW.t(), Read("encoder.bias"), Read("W_dec"), Read("b_dec"));
    }
}
