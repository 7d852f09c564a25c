using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Analysis;

/// <summary>One prompt's pooled SAE features, labelled with its condition (prompt style) and topic.</summary>
public sealed record PooledPrompt(string Id, string Condition, string Topic, SparseVector Features);

/// <summary>
/// Which conditions to compare: <see cref="A"/> against <see cref="B"/>, or, when <see cref="B"/> is null, against
/// all other conditions together ("rest"). A contrast of hand-picked prompts against the others names its sides
/// <see cref="SelectionName"/> and <see cref="RestName"/> (<see cref="ContrastStatistics.ComputeSelection"/>).
/// </summary>
public sealed record Contrast(string A, string? B)
{
    /// <summary>How a one-vs-rest contrast's B side is named in reports.</summary>
    public const string RestName = "rest";

    /// <summary>How the hand-picked side of a selection-vs-rest contrast (<see cref="ContrastStatistics.ComputeSelection"/>) is named in reports.</summary>
    public const string SelectionName = "selection";

    public bool IsVersusRest => B is null;

    public string BName => B ?? RestName;

    /// <summary>One contrast per condition against all the others, in the given order.</summary>
    public static IReadOnlyList<Contrast> EachVersusRest(IEnumerable<string> conditions) =>
        conditions.Select(c => new Contrast(c, null)).ToArray();
}

/// <summary>The first prompt of a condition (input order), shown as a concrete example next to the averages.</summary>
public sealed record FirstSample(string Id, int ActiveCount, float MaxActivation);

/// <summary>Per-condition statistics over all of its prompts.</summary>
/// <param name="MeanMaxActivation">Mean over prompts of each prompt's largest activation (0 for a prompt with none).</param>
public sealed record ConditionSummary(string Name, FirstSample FirstSample, int PromptCount, double MeanActiveCount, double MeanMaxActivation);

/// <summary>A feature active in every prompt of one side and no prompt of the other, with its mean value on its side.</summary>
public sealed record SeparatingFeature(int Feature, double MeanActivation);

/// <summary>The result of one <see cref="Contrast"/> over all topics.</summary>
/// <param name="UnionA">Number of features active in at least one A prompt.</param>
/// <param name="ExclusiveToA">Features active in some A prompt but in no B prompt.</param>
/// <param name="MeanActivationA">
/// Mean over A prompts of the mean of that prompt's active values (prompts with no active feature are left out, as
/// they have no activation strength; 0 if no prompt has one).
/// </param>
/// <param name="AlwaysANeverB">Features active in 100% of A prompts and 0% of B prompts, strongest first.</param>
public sealed record ContrastResult(
    Contrast Contrast,
    int PromptCountA,
    int PromptCountB,
    double MeanActiveCountA,
    double MeanActiveCountB,
    int UnionA,
    int UnionB,
    int ExclusiveToA,
    int ExclusiveToB,
    double MeanActivationA,
    double MeanActivationB,
    IReadOnlyList<SeparatingFeature> AlwaysANeverB,
    IReadOnlyList<SeparatingFeature> AlwaysBNeverA);

/// <summary>Everything written to <c>feature_diff.json</c>.</summary>
public sealed record FeatureDiffReport(IReadOnlyList<ConditionSummary> Conditions, IReadOnlyList<ContrastResult> Contrasts);
