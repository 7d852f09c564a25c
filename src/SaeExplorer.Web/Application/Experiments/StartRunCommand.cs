using Mediator;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Web.Application.Experiments;

/// <summary>Starts a run of a prompt set on the loaded model; the run goes on in the app after the page is gone.</summary>
public sealed record StartRunCommand(string PromptSetName, PoolingMethod Pooling, string ChatFormat) : IRequest<StartRunResult>;

/// <summary>The new run's id, or why it could not start (no model loaded, a prompt the model cannot take, …).</summary>
public sealed record StartRunResult(string? RunId, string? Error);
