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

    public static int? OptInt(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

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

    public static Tensor Prepare(Tensor t, ScalarType dtype, Device device)
    {
        var result = t.to(dtype, device);
        if (!ReferenceEquals(result, t))
            t.Dispose();
        return result;
    }

    [GeneratedRegex(@"^blocks\.(\d+)\.hook_resid_(pre|post)$")]
    private static partial Regex ResidHook();
}
