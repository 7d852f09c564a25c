using System.Text.Json;
using System.Text.Json.Serialization;
using SaeExplorer.Core.Prompts;

namespace SaeExplorer.Inference.Tests.Tokenization;

/// <summary>One string tokenized by Hugging Face tokenizers (tokenizer_cases.json).</summary>
public sealed record TokenizerCase(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("ids")] int[] Ids,
    [property: JsonPropertyName("ids_with_bos")] int[] IdsWithBos,
    [property: JsonPropertyName("tokens")] string[] Tokens,
    [property: JsonPropertyName("offsets")] int[][] Offsets,
    [property: JsonPropertyName("decoded")] string Decoded);

/// <summary>One conversation rendered with the Llama 3.1/3.3 template (chat_cases.json).</summary>
public sealed record ChatCase(
    [property: JsonPropertyName("condition")] string Condition,
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("messages")] ChatMessage[] Messages,
    [property: JsonPropertyName("rendered")] string Rendered,
    [property: JsonPropertyName("input_ids")] int[] InputIds);

/// <summary>Loads the tokenizer goldens from tests/fixtures/tokenizer.</summary>
public static class TokenizerFixtures
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static string Dir => Path.Combine(SaeExplorer.Tests.FixturePaths.Fixtures, "tokenizer");

    private static readonly Lazy<TokenizerCase[]> s_tokenizerCases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "tokenizer_cases.json")));
        return doc.RootElement.GetProperty("cases").Deserialize<TokenizerCase[]>(Options)!;
    });

    private static readonly Lazy<ChatCase[]> s_chatCases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "chat_cases.json")));
        return doc.RootElement.GetProperty("conversations").Deserialize<ChatCase[]>(Options)!;
    });

    public static TokenizerCase[] TokenizerCases => s_tokenizerCases.Value;
    public static ChatCase[] ChatCases => s_chatCases.Value;

    /// <summary>Case index plus a short label so test names say which string failed.</summary>
    public static TheoryData<int, string> TokenizerCaseIndices()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < TokenizerCases.Length; i++)
        {
            string t = TokenizerCases[i].Text;
            data.Add(i, t.Length <= 30 ? t : t[..30] + "…");
        }
        return data;
    }

    public static TheoryData<int, string> ChatCaseIndices()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < ChatCases.Length; i++)
            data.Add(i, $"{ChatCases[i].Condition}/{ChatCases[i].Topic}");
        return data;
    }
}
