using System.Text;
using System.Text.Json;
using SaeExplorer.Core.Prompts;

namespace SaeExplorer.Inference.Tokenization;

/// <summary>How a conversation is turned into model input text.</summary>
public enum ChatFormat
{
    /// <summary>No chat template: the prompt is raw text (base models); BOS is still prepended.</summary>
    None,

    /// <summary>Llama 3.0 Instruct: one header block per message, no implicit system block.</summary>
    Llama3,

    /// <summary>
    /// Llama 3.1 / 3.3 Instruct: always opens with a system block carrying "Cutting Knowledge Date" and
    /// "Today Date" lines; a leading system message is folded into that block.
    /// </summary>
    Llama31,
}

/// <summary>
/// Chat-format detection, parsing and rendering. Rendering re-implements the Jinja chat templates of the
/// Llama 3.0 and 3.1/3.3 Instruct tokenizer_config.json files (we have no Jinja engine), byte for byte.
/// </summary>
public static class ChatFormats
{
    /// <summary>The template's default <c>date_string</c>, used by the HF reference when none is given.</summary>
    public const string DefaultDateString = "26 Jul 2024";

    /// <summary>Values <see cref="Parse"/> accepts, for help text and error messages.</summary>
    public const string AcceptedValues = "auto, llama3, llama3.1, llama3.3, none";

    /// <summary>
    /// Picks the format from a chat template's text: 3.1 if it has the "Cutting Knowledge Date" system
    /// block, 3.0 if it uses Llama 3 headers, else <see cref="ChatFormat.None"/> (no or unknown template).
    /// </summary>
    public static ChatFormat Detect(string? chatTemplate)
    {
        if (string.IsNullOrEmpty(chatTemplate)) return ChatFormat.None;
        if (chatTemplate.Contains("Cutting Knowledge Date", StringComparison.Ordinal)) return ChatFormat.Llama31;
        if (chatTemplate.Contains(Llama3Tokenizer.StartHeaderToken, StringComparison.Ordinal)) return ChatFormat.Llama3;
        // A template of another family (ChatML's <|im_start|>, a custom one): rendering prompts as raw text instead
        // would silently give other tokens (46 instead of 148) and other features than the model sees in use.
        throw new InvalidDataException(
            "the model's chat template is not a Llama 3 format SaeExplorer can render; choose one with --chat-format (llama3, llama3.1, or none for raw text).");
    }

    /// <summary>
    /// Detects the format of a Hugging Face model directory from its chat template: tokenizer_config.json's
    /// <c>chat_template</c> (a string, or a list of {name, template} where "default" is used), falling back
    /// to <c>chat_template.jinja</c> / <c>chat_template.json</c> as newer transformers versions save them.
    /// A directory with no template (a base model) gives <see cref="ChatFormat.None"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">tokenizer_config.json is not valid JSON, chat_template has an unexpected shape, or it is not a Llama 3 template.</exception>
    public static ChatFormat FromModelDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Model directory '{directory}' does not exist; cannot read its chat template.");
        return Detect(ReadChatTemplate(directory));
    }

    /// <summary>Reads the chat template text of a model directory, or null if it has none.</summary>
    public static string? ReadChatTemplate(string directory)
    {
        string config = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(config))
        {
            string? fromConfig = ReadTemplateProperty(config);
            if (fromConfig is not null) return fromConfig;
        }
        string jinja = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinja)) return File.ReadAllText(jinja);
        string json = Path.Combine(directory, "chat_template.json");
        if (File.Exists(json)) return ReadTemplateProperty(json);
        return null;
    }

    private static string? ReadTemplateProperty(string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("chat_template", out var template))
                return null;
            switch (template.ValueKind)
            {
                case JsonValueKind.Null:
                    return null;
                case JsonValueKind.String:
                    return template.GetString();
                case JsonValueKind.Array:
                    // Multi-template configs: [{"name": "default", "template": "..."}, {"name": "tool_use", ...}].
                    foreach (var item in template.EnumerateArray())
                        if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name)
                            && name.GetString() == "default" && item.TryGetProperty("template", out var t))
                            return t.GetString();
                    return null;
                default:
                    throw new InvalidDataException($"'{file}': chat_template is a JSON {template.ValueKind}; expected a string or a list of {{name, template}}.");
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{file}' is not valid JSON ({ex.Message}); expected a Hugging Face tokenizer config.", ex);
        }
    }

    /// <summary>
    /// Parses a CLI value: <c>llama3</c> (3.0), <c>llama3.1</c> / <c>llama3.3</c>, <c>none</c>; returns
    /// null for <c>auto</c>, meaning "detect from the model directory" (see <see cref="Resolve"/>).
    /// Case-insensitive; the enum's own names parse too, since run records keep the format by that name.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown value; the message lists the accepted ones.</exception>
    public static ChatFormat? Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Trim().ToLowerInvariant() switch
        {
            "auto" => null,
            "none" or "raw" => ChatFormat.None,
            "llama3" or "llama3.0" or "llama-3" => ChatFormat.Llama3,
            "llama3.1" or "llama3.3" or "llama-3.1" or "llama-3.3" or "llama31" => ChatFormat.Llama31,
            _ => throw new ArgumentException($"Unknown chat format '{value}'; expected one of: {AcceptedValues}.", nameof(value)),
        };
    }

    /// <summary>Parses a CLI value and, for <c>auto</c>, detects the format from <paramref name="modelDirectory"/>.</summary>
    public static ChatFormat Resolve(string value, string modelDirectory) =>
        Parse(value) ?? FromModelDirectory(modelDirectory);

    /// <summary>Human-readable name of a format, for logs and reports.</summary>
    public static string DisplayName(ChatFormat format) => format switch
    {
        ChatFormat.None => "none (raw text)",
        ChatFormat.Llama3 => "Llama 3.0 Instruct",
        ChatFormat.Llama31 => "Llama 3.1/3.3 Instruct",
        _ => format.ToString(),
    };

    /// <summary>Roles a format's template understands, in the order they're listed in messages.</summary>
    public static IReadOnlyList<string> AllowedRoles(ChatFormat format) => format switch
    {
        ChatFormat.Llama31 => ["system", "user", "assistant", "ipython", "tool"],
        _ => ["system", "user", "assistant"],
    };

    /// <summary>
    /// Renders a conversation to the exact text the Hugging Face chat template produces, starting with
    /// <c>&lt;|begin_of_text|&gt;</c>. Message contents are trimmed like Jinja's <c>trim</c> (Python
    /// <c>str.strip()</c>). For <see cref="ChatFormat.None"/> the single message's content is used as is.
    /// </summary>
    /// <param name="format">The chat format.</param>
    /// <param name="messages">The conversation. Roles are not validated here (the templates don't); see <see cref="PromptEncoder"/>.</param>
    /// <param name="addGenerationPrompt">Append the assistant header so the model's next token starts its reply.</param>
    /// <param name="dateString">Llama 3.1's "Today Date" value; the template's default is 26 Jul 2024.</param>
    /// <exception cref="ArgumentException"><see cref="ChatFormat.None"/> with other than one message.</exception>
    public static string Render(ChatFormat format, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true,
        string dateString = DefaultDateString)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(dateString);
        for (int i = 0; i < messages.Count; i++)
            if (messages[i] is null || messages[i].Role is null || messages[i].Content is null)
                throw new ArgumentException($"Message {i + 1} is null or has a null role/content.", nameof(messages));

        switch (format)
        {
            case ChatFormat.None:
                if (messages.Count != 1)
                    throw new ArgumentException(
                        $"Chat format 'none' takes the prompt as raw text, so it needs exactly one message; got {messages.Count}. Use a chat format for conversations.",
                        nameof(messages));
                return Llama3Tokenizer.BeginOfTextToken + messages[0].Content;
            case ChatFormat.Llama3:
                return RenderLlama3(messages, addGenerationPrompt);
            case ChatFormat.Llama31:
                return RenderLlama31(messages, addGenerationPrompt, dateString);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown chat format.");
        }
    }

    private static void AppendMessage(StringBuilder sb, string role, string content) =>
        sb.Append(Llama3Tokenizer.StartHeaderToken).Append(role).Append(Llama3Tokenizer.EndHeaderToken)
          .Append("\n\n").Append(PyStrip(content)).Append(Llama3Tokenizer.EotToken);

    private static void AppendGenerationPrompt(StringBuilder sb) =>
        sb.Append(Llama3Tokenizer.StartHeaderToken).Append("assistant").Append(Llama3Tokenizer.EndHeaderToken).Append("\n\n");

    // Llama 3.0 template: BOS is attached to the first message only (so an empty conversation has none),
    // every message, system included, gets its own header block.
    private static string RenderLlama3(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < messages.Count; i++)
        {
            if (i == 0) sb.Append(Llama3Tokenizer.BeginOfTextToken);
            AppendMessage(sb, messages[i].Role, messages[i].Content);
        }
        if (addGenerationPrompt) AppendGenerationPrompt(sb);
        return sb.ToString();
    }

    // Llama 3.1/3.3 template (tiny-llama3's tokenizer_config.json): the system block is always emitted;
    // only messages[0] is taken as the system message, and only if its role is "system". A later
    // system message is rendered as an ordinary block, as the template does.
    private static string RenderLlama31(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string dateString)
    {
        var sb = new StringBuilder();
        sb.Append(Llama3Tokenizer.BeginOfTextToken);
        int first = 0;
        string system = "";
        if (messages.Count > 0 && messages[0].Role == "system")
        {
            system = PyStrip(messages[0].Content);
            first = 1;
        }
        sb.Append(Llama3Tokenizer.StartHeaderToken).Append("system").Append(Llama3Tokenizer.EndHeaderToken).Append("\n\n")
          .Append("Cutting Knowledge Date: December 2023\n")
          .Append("Today Date: ").Append(dateString).Append("\n\n")
          .Append(system).Append(Llama3Tokenizer.EotToken);
        for (int i = first; i < messages.Count; i++)
            AppendMessage(sb, messages[i].Role, messages[i].Content);
        if (addGenerationPrompt) AppendGenerationPrompt(sb);
        return sb.ToString();
    }

    /// <summary>Python <c>str.strip()</c>: .NET's whitespace set plus U+001C–U+001F, which Python also strips.</summary>
    internal static string PyStrip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsPySpace(s[start])) start++;
        while (end > start && IsPySpace(s[end - 1])) end--;
        return start == 0 && end == s.Length ? s : s[start..end];
    }

    /// <summary>Python <c>str.isspace()</c> for one UTF-16 unit (every Python whitespace character is in the BMP).</summary>
    internal static bool IsPySpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';
}
