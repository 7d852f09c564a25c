using System.Globalization;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Web.Application.Answers;

namespace SaeExplorer.Web.Components.Pages.Answers;

public sealed partial class AnswerPanel
{
    [Parameter, EditorRequired] public AnswerDetail Answer { get; set; } = null!;

    /// <summary>Which answer this is, when a card holds two (the baseline and an intervened arm's).</summary>
    [Parameter] public string? Title { get; set; }

    /// <summary>Whether a judge is chosen: without one there are no verdicts to miss.</summary>
    [Parameter] public bool Judged { get; set; }

    // Compact tables: a card is a third or half of the page wide.
    private const string TableStyle = "width:100%; border-collapse:collapse; font-size:0.8rem";
    private const string Cell = "padding:2px 6px 2px 0; text-align:left; border-bottom:1px solid var(--mud-palette-lines-default)";

    private static string Count(int n, string noun) => n.ToString("N0", CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");

    private static string Finish(string reason) => reason switch
    {
        FinishReasons.Eos => "stopped by itself",
        FinishReasons.Length => "cut at the token limit",
        _ => reason,
    };

    // NaN: no SAE read the answer's tokens while it was made.
    private static string AnswerFeatures(AnswerDetail a) => double.IsNaN(a.AnswerMeanActivePerToken)
        ? "no features read"
        : string.Create(CultureInfo.InvariantCulture, $"{a.AnswerMeanActivePerToken:F1} active per token, {a.AnswerDistinctFeatures:N0} distinct");

    private string Opponent(PairResult p) =>
        p.OpponentArm == Answer.Arm ? p.OpponentCondition
        : p.OpponentArm == RunAnswerSet.BaselineArm ? $"{p.OpponentCondition} (baseline answer)"
        : $"{p.OpponentCondition} ({p.OpponentArm} answer)";

    private static string Word(Versus outcome) => outcome switch
    {
        Versus.Won => "won",
        Versus.Lost => "lost",
        Versus.Tie => "tie",
        Versus.NoVerdict => "no verdict",
        _ => "not asked",
    };
}
