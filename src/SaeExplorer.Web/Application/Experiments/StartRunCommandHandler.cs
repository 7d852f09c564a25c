using Mediator;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Experiments;

public sealed class StartRunCommandHandler(RunCatalog runs) : IRequestHandler<StartRunCommand, StartRunResult>
{
    public async ValueTask<StartRunResult> Handle(StartRunCommand request, CancellationToken cancellationToken)
    {
        try
        {
            // Not the request's token: a run outlives the page (and circuit) that started it; RunCatalog.Cancel stops it.
            var runId = await runs.StartAsync(request.PromptSetName, request.Pooling, request.ChatFormat, CancellationToken.None);
            return new StartRunResult(runId, null);
        }
        // InvalidPromptException (a prompt too long for the model, say) is an ArgumentException.
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or PromptSetException or StoreException or FileNotFoundException)
        {
            return new StartRunResult(null, e.Message);
        }
    }
}
