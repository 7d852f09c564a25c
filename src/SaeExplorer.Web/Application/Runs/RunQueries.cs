using Mediator;

namespace SaeExplorer.Web.Application.Runs;

/// <summary>Runs of the store and this process, newest first.</summary>
public sealed record ListRunsQuery : IRequest<IReadOnlyList<RunSnapshot>>;

/// <summary>A completed run's data (from memory, or re-pooled from the store's cache).</summary>
public sealed record OpenRunQuery(string RunId) : IRequest<RunData>;

public sealed class RunQueryHandlers(RunCatalog runs) :
    IRequestHandler<ListRunsQuery, IReadOnlyList<RunSnapshot>>,
    IRequestHandler<OpenRunQuery, RunData>
{
    public ValueTask<IReadOnlyList<RunSnapshot>> Handle(ListRunsQuery request, CancellationToken cancellationToken) => ValueTask.FromResult(runs.Runs());

    public async ValueTask<RunData> Handle(OpenRunQuery request, CancellationToken cancellationToken) => await runs.OpenAsync(request.RunId, cancellationToken);
}
