using Mediator;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Experiments;

public sealed class ListPromptSetsQueryHandler(RunCatalog runs) : IRequestHandler<ListPromptSetsQuery, IReadOnlyList<PromptSetSummary>>
{
    public ValueTask<IReadOnlyList<PromptSetSummary>> Handle(ListPromptSetsQuery request, CancellationToken cancellationToken)
    {
        string builtIn = Core.Experiments.PromptSets.BuiltIn().Name;
        IReadOnlyList<PromptSetSummary> sets = runs.PromptSets().Select(s => new PromptSetSummary(s, s.Name == builtIn)).ToList();
        return ValueTask.FromResult(sets);
    }
}
