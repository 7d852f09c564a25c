using SaeExplorer.Core.Prompts;

namespace SaeExplorer.Core.Experiments;

/// <summary>
/// One prompt style. <see cref="Template"/> is the user message with <c>{topic}</c> where the topic goes
/// (e.g. "Explain {topic} to a novice."); an optional <see cref="SystemPrompt"/> is sent as the system message.
/// </summary>
public sealed record Condition(string Name, string Template, string? Description = null, string? SystemPrompt = null);

/// <summary>A design of conditions × topics: every condition is asked about every topic.</summary>
public sealed record PromptSet(string Name, string Description, IReadOnlyList<Condition> Conditions, IReadOnlyList<string> Topics);

/// <summary>One concrete prompt of a set: condition × topic, with a stable id "{condition}/{topic-slug}".</summary>
public sealed record ExperimentPrompt(string Id, string Condition, string Topic, IReadOnlyList<ChatMessage> Messages)
{
    /// <summary>The user's message (the last one), as pages show the prompt; empty when there is none.</summary>
    public string UserText => Messages.LastOrDefault(m => m.Role == "user")?.Content ?? "";
}
