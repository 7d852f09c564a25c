using Mediator;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Experiments;

public sealed class CancelRunCommandHandler(RunCatalog runs) : IRequestHandler<CancelRunCommand, bool>
{
    public ValueTask<bool> Handle(CancelRunCommand request, CancellationToken cancellationToken) => ValueTask.FromResult(runs.Cancel(request.RunId));
}
