using System.Globalization;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Web.Components.Shared;

namespace SaeExplorer.Web.Components.Pages.Feature;

public sealed partial class ExplanationCard
{
    [Parameter, EditorRequired] public int Feature { get; set; }

    /// <summary>The feature's explanations, newest first; null while they load.</summary>
    [Parameter] public IReadOnlyList<FeatureExplanation>? Explanations { get; set; }

    /// <summary>Why they could not be read, or null.</summary>
    [Parameter] public string? Error { get; set; }

    /// <summary>"Accept as label" was clicked on this explanation.</summary>
    [Parameter] public EventCallback<FeatureExplanation> Accept { get; set; }

    /// <summary>What became of accepting (a question, or the outcome), shown beside the button.</summary>
    [Parameter] public RenderFragment? AcceptStatus { get; set; }

    private IReadOnlyList<FeatureExplanation>? _shown;
    private int _selected;
    private float _max;

    protected override void OnParametersSet()
    {
        // A new list (another feature) starts from its newest explanation; a re-render of the same list keeps the choice.
        if (ReferenceEquals(Explanations, _shown))
            return;
        _shown = Explanations;
        Select(0);
    }

    private void Select(int index)
    {
        _selected = index;
        _max = Explanations is { Count: > 0 } all ? HeatMax(all[index]) : 0;
    }

    /// <summary>The largest value in any example of the explanation: one scale for all its tints.</summary>
    private static float HeatMax(FeatureExplanation e) =>
        e.Shown.Concat(e.Scores.SelectMany(s => s.Examples).Select(q => q.Example)).Select(x => x.Max).DefaultIfEmpty(0).Max();

    private static string Choice(FeatureExplanation e) =>
        $"{ExplanationFormat.Date(e.CreatedAt)} · {e.ExplainerModel} · run {e.RunId}" + (e.Outcome == ExplanationOutcomes.Ok ? "" : $" ({e.Outcome})");

    private static string? Scorers(FeatureExplanation e) =>
        e.Scores.Count == 0 ? null : string.Join(", ", e.Scores.Select(s => $"{s.ScorerModel} ({s.PromptVersion})").Distinct());

    private static string MethodName(ScoringMethod method) => method.ToString().ToLowerInvariant();

    private static string KindName(ExampleKind kind) => kind.ToString().ToLowerInvariant();

    private static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>What a score says, how it reads and how many questions it rests on.</summary>
    private static string ScoreTitle(ExplanationScore score)
    {
        string question = score.Method == ScoringMethod.Detection
            ? "whether the feature fires anywhere in each held-out example"
            : "whether the marked tokens of each held-out example are the ones the feature fires on";
        var r = score.Result;
        string value = score.BalancedAccuracy is { } b
            ? $"Balanced accuracy {ExplanationFormat.Score(b)}: 0.50 is chance, 1.00 perfect."
            : "No balanced accuracy: the answered questions lack positives or negatives.";
        return $"{MethodName(score.Method)}: given only the explanation, {score.ScorerModel} said {question}. {value} " +
            $"{r.Answered + r.Unanswered} questions, {r.Unanswered} unanswered.";
    }

    private static string OutcomeMessage(FeatureExplanation e) => e.Outcome switch
    {
        ExplanationOutcomes.Unparseable => $"No explanation: {e.ExplainerModel}'s reply could not be read as one.",
        ExplanationOutcomes.Refused => $"No explanation: {e.ExplainerModel} refused to explain this feature.",
        ExplanationOutcomes.Silent => $"No explanation: the feature fires in none of the {e.Documents} documents of run {e.RunId}, so there was nothing to explain.",
        _ => $"No explanation ({e.Outcome}).",
    };
}
