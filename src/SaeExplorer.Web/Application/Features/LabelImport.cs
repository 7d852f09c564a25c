using System.Text.Json;

namespace SaeExplorer.Web.Application.Features;

/// <summary>A label file the import refuses, with a message that names the problem and where it is.</summary>
public sealed class LabelImportException(string message) : ArgumentException(message);

/// <summary>
/// Reads a label file: a JSON array of objects, each with an integer <c>"index"</c> in 0..d_sae−1 and a string
/// <c>"label"</c>; other keys are ignored. The whole file is checked before anything is stored, so a bad entry leaves
/// the store as it was.
/// </summary>
public static class LabelImport
{
    /// <summary>Largest file the dashboard accepts: a label for each of 131,072 latents fits easily.</summary>
    public const long MaxBytes = 8 * 1024 * 1024;

    public static IReadOnlyList<(int Feature, string Label)> Parse(string json, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new LabelImportException($"the file is not JSON ({e.Message}).");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
                throw new LabelImportException($"the file must be a JSON array of {{\"index\": N, \"label\": \"...\"}} objects, but it is {Describe(root.ValueKind)}.");
            var result = new List<(int, string)>();
            var seen = new Dictionary<int, int>();
            int entry = 0;
            foreach (var item in root.EnumerateArray())
            {
                entry++;
                if (item.ValueKind != JsonValueKind.Object)
                    throw new LabelImportException($"entry {entry} is {Describe(item.ValueKind)}, not an object like {{\"index\": 12, \"label\": \"...\"}}.");
                if (!item.TryGetProperty("index", out var index))
                    throw new LabelImportException($"entry {entry} has no \"index\".");
                if (index.ValueKind != JsonValueKind.Number || !index.TryGetInt32(out int feature))
                    throw new LabelImportException($"entry {entry}: \"index\" must be a whole number, not {index.GetRawText()}.");
                if (feature < 0 || feature >= featureCount)
                    throw new LabelImportException($"entry {entry}: index {feature} is out of range 0..{featureCount - 1} (the loaded SAE has {featureCount} latents).");
                if (seen.TryGetValue(feature, out int first))
                    throw new LabelImportException($"entry {entry}: index {feature} is a duplicate of entry {first}.");
                if (!item.TryGetProperty("label", out var label) || label.ValueKind != JsonValueKind.String)
                    throw new LabelImportException($"entry {entry} (index {feature}) has no \"label\" string.");
                seen[feature] = entry;
                result.Add((feature, label.GetString()!.Trim()));
            }
            return result;
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
