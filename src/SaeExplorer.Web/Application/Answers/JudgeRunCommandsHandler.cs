using Mediator;

namespace SaeExplorer.Web.Application.Answers;

public sealed class JudgeRunCommandsHandler(JudgeJobs jobs) :
    IRequestHandler<StartJudgeCommand, JudgeJobSnapshot>,
    IRequestHandler<CancelJudgeCommand, bool>,
    IRequestHandler<JudgeJobQuery, JudgeJobSnapshot?>
{
    public ValueTask<JudgeJobSnapshot> Handle(StartJudgeCommand request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(jobs.Start(request.RunId, request.Pairs));

    public ValueTask<bool> Handle(CancelJudgeCommand request, CancellationToken cancellationToken) => ValueTask.FromResult(jobs.Cancel(request.RunId));

    public ValueTask<JudgeJobSnapshot?> Handle(JudgeJobQuery request, CancellationToken cancellationToken) => ValueTask.FromResult(jobs.Latest(request.RunId));
}
