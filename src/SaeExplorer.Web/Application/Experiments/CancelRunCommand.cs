using Mediator;

namespace SaeExplorer.Web.Application.Experiments;

/// <summary>Stops a running run after its current batch; prompts it already stored stay cached. False if it is not running.</summary>
public sealed record CancelRunCommand(string RunId) : IRequest<bool>;
