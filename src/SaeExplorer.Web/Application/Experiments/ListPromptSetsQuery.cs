using Mediator;
using SaeExplorer.Core.Experiments;

namespace SaeExplorer.Web.Application.Experiments;

/// <summary>The prompt sets a run can use: the built-in seed set first, then those created or imported.</summary>
public sealed record ListPromptSetsQuery : IRequest<IReadOnlyList<PromptSetSummary>>;

/// <summary>A prompt set as the Experiments page lists it.</summary>
public sealed record PromptSetSummary(PromptSet Set, bool IsBuiltIn)
{
    public string Name => Set.Name;
    public int ConditionCount => Set.Conditions.Count;
    public int TopicCount => Set.Topics.Count;
    public int PromptCount => Set.Conditions.Count * Set.Topics.Count;
}
