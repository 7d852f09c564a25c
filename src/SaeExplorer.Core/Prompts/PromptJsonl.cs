using SaeExplorer.Core.Errors;
using System.Text;
using System.Text.Json;

namespace SaeExplorer.Core.Prompts;

/// <summary>Thrown for a prompts file that cannot be used; the message names the file and line.</summary>
public sealed class PromptFileException(string message) : Exception(message), IUserError;

/// <summary>
/// Reads prompts JSONL: one object per line, <c>{"id": "...", "messages": [{"role": ..., "content": ...}]}</c> or
/// <c>{"id": "...", "text": "..."}</c>. Blank lines are skipped. Ids become tensor-name prefixes in capture output,
/// so they must be unique and free of the characters that would make names ambiguous.
/// </summary>
public static class PromptJsonl
{
    public static IReadOnlyList<CapturePrompt> Read(string path)
    {
        if (!File.Exists(path))
            throw new PromptFileException($"{path}: prompts file not found.");
        var prompts = new List<CapturePrompt>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var line in Lines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var prompt = ParseLine(path, lineNumber, line);
            if (seen.TryGetValue(prompt.Id, out var first))
                throw new PromptFileException($"{path}:{lineNumber}: id '{prompt.Id}' was already used on line {first}; ids must be unique.");
            seen[prompt.Id] = lineNumber;
            prompts.Add(prompt);
        }
        if (prompts.Count == 0)
            throw new PromptFileException($"{path}: no prompts (the file is empty). Each line should be {{\"id\": ..., \"messages\": [...]}} or {{\"id\": ..., \"text\": ...}}.");
        return prompts;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The file's lines, each decoded as strict UTF-8 on its own: a byte that is not UTF-8 (a Latin-1 "é") is an error
    /// naming its line, not a silent U+FFFD. A leading byte-order mark is skipped.
    /// </summary>
    private static IEnumerable<string> Lines(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        for (int number = 1; start <= bytes.Length; number++)
        {
            int length = bytes.AsSpan(start).IndexOf((byte)'\n');
            if (length < 0)
                length = bytes.Length - start;
            var span = bytes.AsSpan(start, length).TrimEnd((byte)'\r');
            string line;
            try
            {
                line = StrictUtf8.GetString(span);
            }
            catch (DecoderFallbackException)
            {
                throw new PromptFileException($"{path}:{number}: not valid UTF-8; save the file as UTF-8.");
            }
            yield return line;
            start += length + 1;
        }
    }

    private static CapturePrompt ParseLine(string path, int lineNumber, string line)
    {
        string where = $"{path}:{lineNumber}";
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new PromptFileException($"{where}: not valid JSON ({e.Message})."); }
        try
        {
            return ParsePrompt(where, doc.RootElement);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to read a string holding half of a surrogate pair as .NET text.
            throw new PromptFileException($"{where}: a string holds a lone UTF-16 surrogate (a \\ud800-style escape without its pair); fix the text.");
        }
        finally
        {
            doc.Dispose();
        }
    }

    private static CapturePrompt ParsePrompt(string where, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new PromptFileException($"{where}: expected a JSON object with \"id\" and \"messages\" or \"text\".");
        if (!root.TryGetProperty("id", out var idElement) || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            throw new PromptFileException($"{where}: missing \"id\" (a string).");
        var id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : idElement.GetRawText();
        if (id.Length == 0 || id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '"'))
            throw new PromptFileException($"{where}: id '{id}' must be non-empty, without whitespace or quotes.");

        bool hasMessages = root.TryGetProperty("messages", out var messages);
        bool hasText = root.TryGetProperty("text", out var text);
        if (hasMessages == hasText)
            throw new PromptFileException($"{where}: give exactly one of \"messages\" (a chat) or \"text\" (raw text).");
        if (hasText)
        {
            if (text.ValueKind != JsonValueKind.String)
                throw new PromptFileException($"{where}: \"text\" must be a string.");
            return new CapturePrompt(id, null, text.GetString());
        }
        if (messages.ValueKind != JsonValueKind.Array)
            throw new PromptFileException($"{where}: \"messages\" must be an array of {{\"role\", \"content\"}} objects.");
        var list = new List<ChatMessage>();
        foreach (var m in messages.EnumerateArray())
        {
            if (m.ValueKind != JsonValueKind.Object
                || !m.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                || !m.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                throw new PromptFileException($"{where}: message {list.Count + 1} needs string \"role\" and \"content\".");
            list.Add(new ChatMessage(role.GetString()!, content.GetString()!));
        }
        return new CapturePrompt(id, list, null);
    }
}
