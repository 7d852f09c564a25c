using Mediator;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Experiments;

public sealed class ImportPromptSetCommandHandler(RunCatalog runs) : IRequestHandler<ImportPromptSetCommand, SavePromptSetResult>
{
    public ValueTask<SavePromptSetResult> Handle(ImportPromptSetCommand request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SavePromptSetCommandHandler.Save(runs, () => request.Json, request.FileName));
}
