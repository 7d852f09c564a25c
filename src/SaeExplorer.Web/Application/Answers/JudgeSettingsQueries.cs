using Mediator;
using SaeExplorer.Web.Application.Models;

namespace SaeExplorer.Web.Application.Answers;

/// <summary>The judge settings in use, and whether their key variable is set in this server's environment.</summary>
public sealed record GetJudgeSettingsQuery : IRequest<JudgeSettingsView>;

/// <param name="KeySet">whether the variable <see cref="JudgeSettings.ApiKeyVariable"/> names holds something (its value never leaves the server)</param>
public sealed record JudgeSettingsView(JudgeSettings Settings, bool KeySet);

/// <summary>
/// Checks judge settings and, when they are valid, uses them from now on; answers with the problems, each under its
/// field ("judge-url", "judge-model", "judge-key", "judge-format", "judge-concurrency").
/// </summary>
public sealed record ApplyJudgeSettingsCommand(JudgeSettings Settings) : IRequest<IReadOnlyList<SettingsProblem>>;
