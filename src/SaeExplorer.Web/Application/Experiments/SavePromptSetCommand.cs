using Mediator;
using SaeExplorer.Core.Experiments;

namespace SaeExplorer.Web.Application.Experiments;

/// <summary>One condition as typed into the form; a blank system prompt means none.</summary>
public sealed record ConditionDraft(string Name, string Template, string? SystemPrompt = null);

/// <summary>A prompt set as typed into the form: topics one per line (blank lines ignored).</summary>
public sealed record PromptSetDraft(string Name, string Description, IReadOnlyList<ConditionDraft> Conditions, string Topics);

/// <summary>Validates a prompt set typed into the form and saves it in the store.</summary>
public sealed record SavePromptSetCommand(PromptSetDraft Draft) : IRequest<SavePromptSetResult>;

/// <summary>The saved set, or why it was refused (a message naming the problem, for the page to show as is).</summary>
public sealed record SavePromptSetResult(PromptSet? Saved, string? Error)
{
    public static SavePromptSetResult Refused(string error) => new(null, error);
}
