using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>One answer of the quality triangle: its features, its length and style, and its judged quality.</summary>
/// <param name="Topic">The topic (block): answers of one topic under different conditions are paired.</param>
/// <param name="Condition">The condition (prompt style) that produced the answer.</param>
/// <param name="PromptFeatures">SAE features of the prompt (e.g. its active-latent count).</param>
/// <param name="AnswerMeanActivePerToken">Mean number of active latents per answer token.</param>
/// <param name="AnswerDistinctFeatures">Distinct latents active anywhere in the answer.</param>
/// <param name="LengthTokens">Answer length in tokens: the length used by every length-aware statistic here.</param>
/// <param name="LengthChars">Answer length in characters (carried for the caller; the statistics use tokens).</param>
/// <param name="Headers">Markdown headers (<see cref="MarkdownStyle"/>).</param>
/// <param name="ListItems">Markdown list items.</param>
/// <param name="Bold">Markdown bold spans.</param>
/// <param name="PointwiseScore">The judge's pointwise score; null when the answer was not scored (or the judge gave no verdict).</param>
public sealed record QualityAnswer(
    string Topic,
    string Condition,
    double PromptFeatures,
    double AnswerMeanActivePerToken,
    double AnswerDistinctFeatures,
    int LengthTokens,
    int LengthChars,
    int Headers,
    int ListItems,
    int Bold,
    double? PointwiseScore);

/// <summary>One pairwise verdict on two answers of a topic; A was shown to the judge first.</summary>
/// <param name="OutcomeForA">1 when A's answer won, 0 when B's did, 0.5 for a tie.</param>
public sealed record QualityComparison(string Topic, string ConditionA, string ConditionB, double OutcomeForA);

/// <summary>Pearson and Spearman correlation of two answer variables over the answers that have both.</summary>
/// <param name="Pairs">Answers behind the estimates; the intervals are NaN below 3.</param>
public sealed record CorrelationPair(string X, string Y, int Pairs, ConfidenceInterval Pearson, ConfidenceInterval Spearman);

/// <summary>Pearson and Spearman partial correlation of X and Y given <see cref="Given"/>.</summary>
/// <param name="Rows">Answers behind the estimates; the intervals are NaN below covariates + 3.</param>
public sealed record PartialCorrelationPair(string X, string Y, IReadOnlyList<string> Given, int Rows, ConfidenceInterval Pearson, ConfidenceInterval Spearman);

/// <summary>A condition's Bradley–Terry strength against the reference condition, in log-odds (0 for the reference).</summary>
/// <param name="Raw">From the verdicts alone.</param>
/// <param name="StyleControlled">At equal length and markdown style (<see cref="StyleCovariates.Arena"/>).</param>
public sealed record ConditionStrength(string Condition, ConfidenceInterval Raw, ConfidenceInterval StyleControlled)
{
    /// <summary><see cref="Raw"/> on the Elo-like scale (reference 1000).</summary>
    public ConfidenceInterval RawElo => BradleyTerry.ToElo(Raw);

    /// <summary><see cref="StyleControlled"/> on the Elo-like scale (reference 1000).</summary>
    public ConfidenceInterval StyleControlledElo => BradleyTerry.ToElo(StyleControlled);
}

/// <summary>A condition's raw and length-controlled win rate against the reference condition.</summary>
public sealed record ConditionWinRate(string Condition, string Reference, LengthControlledResult Result);

/// <summary>
/// The quality triangle of a run: how SAE features, answer length and judged quality go together, and how the
/// conditions rank once length and style are taken out.
/// </summary>
/// <param name="Conditions">All conditions, ordinal order.</param>
/// <param name="ScoredAnswers">Answers with a pointwise score: the rows of every statistic involving the score.</param>
/// <param name="Sides">
/// Correlations pooled over all answers of all conditions and topics, so they include variation between conditions
/// and between topics: each feature variable against length and against the score, and length against the score.
/// </param>
/// <param name="Partials">Each feature variable against the score given length in tokens; the first is prompt features.</param>
/// <param name="Strengths">One per condition, in <see cref="Conditions"/> order; empty without comparisons.</param>
/// <param name="StyleCoefficients">The style-controlled fit's coefficients, in <see cref="StyleCovariates.ArenaNames"/> order; empty without comparisons.</param>
/// <param name="SkippedStrengthResamples">Bradley–Terry resamples (raw and style-controlled together) whose fit failed and were left out.</param>
/// <param name="WinRates">Each condition compared with the reference at least once; topic = instance.</param>
/// <param name="BlockedEffect">
/// Over the conditions with at least one scored answer (a condition never scored is absent from it); null when the
/// reference condition has no scored answer.
/// </param>
/// <param name="JudgeBias">Diagnostics of the pairwise verdicts, lengths in tokens.</param>
public sealed record QualityTriangleReport(
    string Reference,
    IReadOnlyList<string> Conditions,
    int Answers,
    int ScoredAnswers,
    int Comparisons,
    int Resamples,
    ulong Seed,
    IReadOnlyList<CorrelationPair> Sides,
    IReadOnlyList<PartialCorrelationPair> Partials,
    IReadOnlyList<ConditionStrength> Strengths,
    IReadOnlyList<StyleCoefficient> StyleCoefficients,
    int SkippedStrengthResamples,
    IReadOnlyList<ConditionWinRate> WinRates,
    BlockedEffectResult? BlockedEffect,
    JudgeBiasReport JudgeBias);
