using System.Globalization;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Web.Components.Shared;

/// <summary>How explanations read on every page: balanced accuracies to two decimals, dates to the minute (UTC).</summary>
public static class ExplanationFormat
{
    /// <summary>What a score means, for tooltips.</summary>
    public const string ScoreMeaning = "balanced accuracy of a scorer given only the explanation: 0.50 is chance, 1.00 perfect";

    /// <summary>A score badge: a small outlined box, its digits aligned from row to row.</summary>
    public const string BadgeStyle =
        "display: inline-block; border: 1px solid currentColor; border-radius: 8px; padding: 0 5px; margin-right: 0.4em; font-variant-numeric: tabular-nums";

    public static string Score(double? balancedAccuracy) => balancedAccuracy is { } b ? b.ToString("F2", CultureInfo.InvariantCulture) : "—";

    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>An explanation in a tooltip that also names the feature's label: the text and its detection score.</summary>
    public static string Brief(ExplanationSummary e) => $"explained: “{e.Text}” (detection {Score(e.Detection)})";

    /// <summary>A table's explanation in full: the text, who wrote it and when, and both scores with what they mean.</summary>
    public static string Describe(ExplanationSummary e) =>
        $"{e.Text}\nExplained by {e.ExplainerModel} on {Date(e.CreatedAt)} (run {e.RunId}). " +
        $"Detection {Score(e.Detection)}, fuzzing {Score(e.Fuzzing)}: {ScoreMeaning}.";
}
