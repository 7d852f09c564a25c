namespace SaeExplorer.Core.Prompts;

/// <summary>
/// One line of a prompts JSONL file: an id and either a chat conversation (formatted with the model's chat template,
/// assistant header appended) or raw text.
/// </summary>
public sealed record CapturePrompt(string Id, IReadOnlyList<ChatMessage>? Messages, string? Text)
{
    public bool IsChat => Messages is not null;
}
