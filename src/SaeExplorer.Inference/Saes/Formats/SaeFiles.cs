using System.Text.Json;
using System.Text.RegularExpressions;
using SaeExplorer.Core.Fingerprints;
using SaeExplorer.Inference.Loading;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes.Formats;

/// <summary>What the folder formats share: reading cfg.json, its optional fields, fingerprints, and moving weights.</summary>
internal static partial class SaeFiles
{
    public static JsonElement ReadConfig(string dir)
    {
        var path = Path.Combine(dir, "cfg.json");
        if (!File.Exists(path))
            throw new CheckpointException(path, null, "cfg.json not found beside the SAE weights.");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(path, null, "must be a JSON object.");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"not valid JSON ({e.Message}).", e);
        }
    }

    public static string ConfigPath(string dir) => Path.Combine(dir, "cfg.json");

    /// <summary>An integer setting of cfg.json: null when absent or null; 1.5 or 1e12 is an error, not a silently dropped value.</summary>
    public static int? OptInt(JsonElement e, string key, string dir)
    {
        if (!e.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
            ? i
            : throw new CheckpointException(ConfigPath(dir), null, $"'{key}' is {v.GetRawText()}, not a whole number that fits 32 bits.");
    }

    /// <summary>
    /// A width (d_in, d_sae) as the weights have it; when cfg.json states it too, the two must agree — a config that
    /// contradicts its weights is damaged or belongs to another SAE.
    /// </summary>
    /// <param name="zeroMeansUnstated">sparsify writes num_latents 0 for "from the expansion factor"</param>
    public static int Width(JsonElement cfg, string key, long fromWeights, string weightsDescription, string dir, bool zeroMeansUnstated = false)
    {
        if (fromWeights is <= 0 or > int.MaxValue)
            throw new CheckpointException(dir, null, $"{weightsDescription} gives {key} = {fromWeights}, which is no SAE width.");
        int? stated = OptInt(cfg, key, dir);
        if (stated is { } s && s != fromWeights && !(zeroMeansUnstated && s == 0))
            throw new CheckpointException(ConfigPath(dir), null, $"'{key}' is {s} but {weightsDescription} gives {fromWeights}; the config belongs to another SAE.");
        return (int)fromWeights;
    }

    public static string? OptString(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// The decoder layer whose resid_post a TransformerLens-style hook name reads: <c>blocks.{l}.hook_resid_post</c> is
    /// layer l, and <c>blocks.{l}.hook_resid_pre</c> (block l's input) is layer l − 1; null for other hooks.
    /// </summary>
    public static int? LayerOfHook(string? hookName)
    {
        if (hookName is null || ResidHook().Match(hookName) is not { Success: true } m || !int.TryParse(m.Groups[1].Value, out int block))
            return null;
        return m.Groups[2].Value == "post" ? block : block >= 1 ? block - 1 : null;
    }

    /// <summary>The weight and config files of a folder format: these make its fingerprint.</summary>
    public static IReadOnlyList<string> FolderFiles(string dir) =>
        Directory.GetFiles(dir).Where(f => f.EndsWith(".json") || f.EndsWith(".safetensors")).ToList();

    public static Func<string> Fingerprint(IReadOnlyList<string> files) => () => FileFingerprint.Compute(files);

    /// <summary>
    /// A weight in the compute dtype on the device, checked finite first (a NaN or infinity in an SAE gives NaN for
    /// every latent, which would be stored and analysed as if it were data).
    /// </summary>
    public static Tensor Prepare(Tensor t, ScalarType dtype, Device device, string path, string name)
    {
        using (var all = t.isfinite().all())
        {
            if (!all.item<bool>())
            {
                t.Dispose();
                throw new CheckpointException(path, name, "holds NaN or infinite values; the SAE file is damaged (re-download it).");
            }
        }
        var result = t.to(dtype, device);
        if (!ReferenceEquals(result, t))
            t.Dispose();
        return result;
    }

    [GeneratedRegex(@"^blocks\.(\d+)\.hook_resid_(pre|post)$")]
    private static partial Regex ResidHook();
}
