using Mediator;
using SaeExplorer.Judge;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Web.Application.Models;

namespace SaeExplorer.Web.Application.Answers;

public sealed class JudgeSettingsHandler(JudgeSettingsHolder holder) :
    IRequestHandler<GetJudgeSettingsQuery, JudgeSettingsView>,
    IRequestHandler<ApplyJudgeSettingsCommand, IReadOnlyList<SettingsProblem>>
{
    /// <summary>
    /// The ending every key variable named in the dashboard must have. The form decides where the key is sent, so without
    /// this anyone who can open Settings could send any secret of this server's environment (a cloud token, a password)
    /// to an endpoint of their own; the operator can still configure another name at start
    /// (<c>--SaeExplorer:Judge:ApiKeyVariable</c>).
    /// </summary>
    public const string KeyVariableEnding = "_API_KEY";

    public ValueTask<JudgeSettingsView> Handle(GetJudgeSettingsQuery request, CancellationToken cancellationToken)
    {
        var settings = holder.Current;
        return ValueTask.FromResult(new JudgeSettingsView(settings, !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(settings.ApiKeyVariable.Trim()))));
    }

    public ValueTask<IReadOnlyList<SettingsProblem>> Handle(ApplyJudgeSettingsCommand request, CancellationToken cancellationToken)
    {
        var problems = Problems(request.Settings);
        if (problems.Count == 0)
            holder.Current = request.Settings with
            {
                BaseUrl = request.Settings.BaseUrl.Trim(),
                Model = request.Settings.Model.Trim(),
                ApiKeyVariable = request.Settings.ApiKeyVariable.Trim(),
            };
        return ValueTask.FromResult(problems);
    }

    /// <summary>
    /// Every problem at once, each under its field. <see cref="JudgeEndpoint.Validated"/> stops at the first problem, so
    /// each field is checked in an endpoint whose other fields are the defaults: the CLI's rules, field by field.
    /// </summary>
    public static IReadOnlyList<SettingsProblem> Problems(JudgeSettings s)
    {
        var problems = new List<SettingsProblem>();
        Check(problems, "judge-url", () => new JudgeEndpoint(s.BaseUrl.Trim(), JudgeEndpoint.DefaultModel).Validated());
        Check(problems, "judge-model", () => new JudgeEndpoint(JudgeEndpoint.DefaultUrl, s.Model.Trim()).Validated());
        Check(problems, "judge-key", () => new JudgeEndpoint(JudgeEndpoint.DefaultUrl, JudgeEndpoint.DefaultModel, s.ApiKeyVariable.Trim()).Validated());
        if (problems.All(p => p.Field != "judge-key") && !s.ApiKeyVariable.Trim().EndsWith(KeyVariableEnding, StringComparison.Ordinal))
            problems.Add(new("judge-key", $"the dashboard reads a key only from a variable whose name ends in {KeyVariableEnding} (e.g. {JudgeEndpoint.DefaultKeyVariable}), " +
                                          "so this form cannot send another secret of the server; to use another, start the dashboard with --SaeExplorer:Judge:ApiKeyVariable=NAME."));
        Check(problems, "judge-format", () => JudgeSettings.Format(s.ResponseFormat));
        Check(problems, "judge-concurrency", () => new JudgeEndpoint(JudgeEndpoint.DefaultUrl, JudgeEndpoint.DefaultModel, Concurrency: s.Concurrency).Validated());
        return problems;
    }

    private static void Check(List<SettingsProblem> problems, string field, Func<object?> check)
    {
        try
        {
            check();
        }
        catch (SettingsException e)
        {
            problems.Add(new SettingsProblem(field, e.Message));
        }
    }
}
