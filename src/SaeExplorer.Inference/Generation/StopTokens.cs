using System.Text.Json;
using SaeExplorer.Inference.Loading;

namespace SaeExplorer.Inference.Generation;

/// <summary>The ids that end an answer: <c>generation_config.json</c>'s <c>eos_token_id</c> (a number or a list).</summary>
public static class StopTokens
{
    /// <summary>
    /// Reads the stop ids of a model directory: <c>generation_config.json</c> first (Llama 3 lists 128001, 128008 and
    /// 128009 there), <c>config.json</c>'s <c>eos_token_id</c> when that file has none.
    /// </summary>
    public static IReadOnlySet<int> Load(string modelDirectory)
    {
        foreach (var name in new[] { "generation_config.json", "config.json" })
        {
            var path = Path.Combine(modelDirectory, name);
            if (!File.Exists(path))
                continue;
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new CheckpointException(path, null, $"not valid JSON ({e.Message}).", e);
            }
            if (!root.TryGetProperty("eos_token_id", out var eos) || eos.ValueKind == JsonValueKind.Null)
                continue;
            var ids = eos.ValueKind switch
            {
                JsonValueKind.Number => new HashSet<int> { eos.GetInt32() },
                JsonValueKind.Array => eos.EnumerateArray().Select(e => e.GetInt32()).ToHashSet(),
                _ => throw new CheckpointException(path, null, "eos_token_id must be a token id or a list of them."),
            };
            if (ids.Count > 0)
                return ids;
        }
        throw new CheckpointException(Path.Combine(modelDirectory, "generation_config.json"), null,
            "no eos_token_id in generation_config.json or config.json: without a stop token every answer would run to --max-new-tokens. Add \"eos_token_id\" to generation_config.json.");
    }
}
