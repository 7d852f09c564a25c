using Mediator;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Umap;

public sealed class ComputeUmapQueryHandler(IRunDataSource runs, UmapCache cache) : IRequestHandler<ComputeUmapQuery, UmapView>
{
    public async ValueTask<UmapView> Handle(ComputeUmapQuery request, CancellationToken cancellationToken) =>
        await cache.GetOrCompute(request.RunId, request.Pooling, async () =>
        {
            // Shared by every page that asks, so no one page's token may cancel it; a page that leaves stops waiting.
            var data = await runs.OpenAsync(request.RunId, CancellationToken.None);
            // Both fits take about a second of CPU for 300 prompts: keep them off the circuit's thread.
            return await Task.Run(() => UmapView.Compute(data, request.Pooling));
        }).WaitAsync(cancellationToken);
}
