using System.Globalization;
using System.Text;
using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Prompts;

namespace SaeExplorer.Inference.Tokenization;

/// <summary>
/// A prompt ready for the model: token ids plus code-point offsets into <see cref="Text"/>, the exact string
/// that was tokenized (the rendered chat text, or the raw text), so tokens can be shown in context.
/// </summary>
/// <param name="Text">What the offsets index into. For raw text this is the text itself (BOS has offset (0,0)).</param>
/// <param name="Ids">Token ids, starting with BOS.</param>
/// <param name="Offsets">One code-point span per id (see <see cref="TokenOffset"/>).</param>
/// <param name="Format">The chat format used.</param>
public sealed record EncodedPrompt(string Text, int[] Ids, TokenOffset[] Offsets, ChatFormat Format)
{
    /// <summary>Number of tokens.</summary>
    public int Count => Ids.Length;
}

/// <summary>
/// A prompt the model cannot take (empty, too long, unknown role). Derives from <see cref="ArgumentException"/>
/// so callers validating user input can treat it like any bad argument, while the CLI can report it per prompt.
/// </summary>
public class InvalidPromptException : ArgumentException, IUserError
{
    private readonly string _text;

    /// <summary>Creates the exception with a message saying what is wrong and what is expected.</summary>
    public InvalidPromptException(string message, string? paramName = null) : base(message, paramName) => _text = message;

    /// <summary>The message alone: a user reads it, and ArgumentException's "(Parameter 'messages')" means nothing to them.</summary>
    public override string Message => _text;
}

/// <summary>The prompt has more tokens than the model's context allows; both numbers are kept for reporting.</summary>
public sealed class PromptTooLongException : InvalidPromptException
{
    /// <summary>Creates the exception for a prompt of <paramref name="tokenCount"/> tokens against a limit of <paramref name="maxTokens"/>.</summary>
    public PromptTooLongException(int tokenCount, int maxTokens, string? paramName = null)
        : this(tokenCount, maxTokens, string.Create(CultureInfo.InvariantCulture,
            $"The prompt is {tokenCount:N0} tokens long, which exceeds the model's context of {maxTokens:N0} tokens; shorten it by at least {tokenCount - maxTokens:N0} tokens."), paramName)
    {
    }

    /// <summary>
    /// Creates the exception for text refused before tokenizing: <paramref name="bytes"/> UTF-8 bytes make at least
    /// <paramref name="minimumTokens"/> tokens when no token is longer than <paramref name="longestTokenBytes"/> bytes.
    /// </summary>
    public static PromptTooLongException Certainly(long bytes, int longestTokenBytes, int minimumTokens, int maxTokens, string? paramName = null) =>
        new(minimumTokens, maxTokens, string.Create(CultureInfo.InvariantCulture,
            $"The prompt's {bytes:N0} bytes make at least {minimumTokens:N0} tokens (no token is longer than {longestTokenBytes} bytes), which exceeds the model's context of {maxTokens:N0} tokens; shorten it."), paramName);

    private PromptTooLongException(int tokenCount, int maxTokens, string message, string? paramName)
        : base(message, paramName)
    {
        TokenCount = tokenCount;
        MaxTokens = maxTokens;
    }

    /// <summary>Tokens in the encoded prompt (BOS and chat markup included).</summary>
    public int TokenCount { get; }

    /// <summary>The limit that was exceeded.</summary>
    public int MaxTokens { get; }
}

/// <summary>
/// Turns user prompts into model input the way Hugging Face does: a conversation is rendered with the chat
/// template and tokenized with special tokens parsed and no extra BOS (the template already starts with
/// one, as <c>apply_chat_template(tokenize=True)</c> does); raw text gets a BOS prepended (HF's default
/// <c>add_special_tokens=True</c>). Refuses prompts that are empty, too long, or use unknown roles, with
/// messages meant for the end user.
/// </summary>
public sealed class PromptEncoder
{
    /// <param name="tokenizer">The Llama 3 tokenizer.</param>
    /// <param name="format">Chat format for conversations; <see cref="ChatFormat.None"/> treats a single message as raw text.</param>
    /// <param name="maxTokens">Longest allowed prompt in tokens (the model's context length, or a smaller budget).</param>
    /// <param name="dateString">Llama 3.1's "Today Date"; keep the default to match the HF reference.</param>
    public PromptEncoder(Llama3Tokenizer tokenizer, ChatFormat format, int maxTokens, string dateString = ChatFormats.DefaultDateString)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentNullException.ThrowIfNull(dateString);
        if (!Enum.IsDefined(format)) throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown chat format.");
        Tokenizer = tokenizer;
        Format = format;
        MaxTokens = maxTokens;
        DateString = dateString;
    }

    /// <summary>The tokenizer used.</summary>
    public Llama3Tokenizer Tokenizer { get; }

    /// <summary>Chat format applied to conversations.</summary>
    public ChatFormat Format { get; }

    /// <summary>Maximum prompt length in tokens.</summary>
    public int MaxTokens { get; }

    /// <summary>Date used in the Llama 3.1 system block.</summary>
    public string DateString { get; }

    /// <summary>
    /// Encodes a conversation with <see cref="Format"/>. With <see cref="ChatFormat.None"/> the conversation
    /// must be one message, encoded as raw text (<see cref="EncodeRaw"/>).
    /// </summary>
    /// <exception cref="InvalidPromptException">No messages, all contents blank, a bad role, or (None) several messages.</exception>
    /// <exception cref="PromptTooLongException">More than <see cref="MaxTokens"/> tokens.</exception>
    public EncodedPrompt Encode(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        Validate(messages);
        if (Format == ChatFormat.None)
        {
            if (messages.Count != 1)
                throw new InvalidPromptException(
                    $"Chat format 'none' encodes raw text, so the prompt must be a single message; got {messages.Count} messages. Choose a chat format ({ChatFormats.AcceptedValues}) for conversations.",
                    nameof(messages));
            return EncodeRaw(messages[0].Content);
        }

        string rendered = ChatFormats.Render(Format, messages, addGenerationPrompt, DateString);
        CheckLengthBeforeTokenizing(rendered, nameof(messages));
        var tokens = Tokenizer.Encode(rendered, addBos: false);
        CheckLength(tokens.Count, nameof(messages));
        return new EncodedPrompt(rendered, tokens.Ids, tokens.Offsets, Format);
    }

    /// <summary>Encodes raw text with a BOS in front (no chat template), as HF <c>tokenizer(text)</c> does.</summary>
    /// <exception cref="InvalidPromptException">The text is empty or whitespace only.</exception>
    /// <exception cref="PromptTooLongException">More than <see cref="MaxTokens"/> tokens.</exception>
    public EncodedPrompt EncodeRaw(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
            throw new InvalidPromptException("The prompt is empty (no text, or only whitespace); there is nothing to run the model on.", nameof(text));
        CheckLengthBeforeTokenizing(text, nameof(text));
        var tokens = Tokenizer.Encode(text, addBos: true);
        CheckLength(tokens.Count, nameof(text));
        return new EncodedPrompt(text, tokens.Ids, tokens.Offsets, ChatFormat.None);
    }

    private void Validate(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
            throw new InvalidPromptException("The prompt is empty: the conversation has no messages.", nameof(messages));
        var allowed = ChatFormats.AllowedRoles(Format);
        bool anyContent = false;
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i] ?? throw new InvalidPromptException($"Message {i + 1} is null.", nameof(messages));
            if (m.Content is null)
                throw new InvalidPromptException($"Message {i + 1} (role '{m.Role}') has no content.", nameof(messages));
            if (Format != ChatFormat.None && (m.Role is null || !allowed.Contains(m.Role)))
                throw new InvalidPromptException(
                    $"Message {i + 1} has role '{m.Role}', which the {ChatFormats.DisplayName(Format)} format does not know; expected one of: {string.Join(", ", allowed)} (lower case).",
                    nameof(messages));
            if (!string.IsNullOrWhiteSpace(m.Content) && ChatFormats.PyStrip(m.Content).Length > 0) anyContent = true;
        }
        if (!anyContent)
            throw new InvalidPromptException(
                $"The prompt is empty: all {messages.Count} message(s) have empty or whitespace-only content.", nameof(messages));
    }

    /// <summary>Refuses text too long for the context whatever its tokens turn out to be, before paying for tokenizing it (a 10 MB paste).</summary>
    private void CheckLengthBeforeTokenizing(string text, string paramName)
    {
        long bytes = Encoding.UTF8.GetByteCount(text);
        int longest = Math.Max(1, Tokenizer.LongestTokenBytes);
        long minimum = (bytes + longest - 1) / longest;
        if (minimum > MaxTokens)
            throw PromptTooLongException.Certainly(bytes, longest, (int)Math.Min(minimum, int.MaxValue), MaxTokens, paramName);
    }

    private void CheckLength(int count, string paramName)
    {
        if (count > MaxTokens) throw new PromptTooLongException(count, MaxTokens, paramName);
    }
}
