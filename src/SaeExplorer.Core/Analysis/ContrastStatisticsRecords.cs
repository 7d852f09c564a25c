using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis;

/// <summary>Settings of <see cref="ContrastStatistics.Compute"/>.</summary>
/// <param name="BootstrapResamples">Resamples of the percentile bootstrap of each side's mean active count.</param>
/// <param name="Seed">Seeds the bootstrap, the only randomness in the analysis.</param>
/// <param name="ConfidenceLevel">Coverage of the bootstrap interval.</param>
/// <param name="MannWhitneyMethod">
/// How per-feature Mann–Whitney p-values are computed; with <see cref="Statistics.MannWhitneyMethod.Auto"/> nearly
/// every latent takes the normal approximation, because the prompts where it is inactive form one block of tied zeros;
/// <see cref="Statistics.MannWhitneyMethod.Exact"/> is refused for any latent with ties.
/// </param>
public sealed record ContrastStatisticsOptions(
    int BootstrapResamples = 2000,
    ulong Seed = 0,
    double ConfidenceLevel = 0.95,
    MannWhitneyMethod MannWhitneyMethod = MannWhitneyMethod.Auto);

/// <summary>One side of a contrast (a condition, or "rest").</summary>
/// <param name="MeanActiveCount">
/// Mean number of active latents per prompt, with its bootstrap interval; the interval's seed is this side's stream,
/// derived from the options' seed (A and B draw independently).
/// </param>
/// <param name="MaxActivation">The largest activation of any latent in any of the side's prompts (0 if none).</param>
/// <param name="MeanActivation">As <see cref="ContrastResult.MeanActivationA"/>: the mean over prompts of each prompt's mean active value.</param>
/// <param name="UnionCount">Latents active in at least one of the side's prompts.</param>
/// <param name="ExclusiveCount">Latents active in at least one of the side's prompts and in none of the other side's.</param>
public sealed record ContrastSide(
    string Name,
    int PromptCount,
    ConfidenceInterval MeanActiveCount,
    double MaxActivation,
    double MeanActivation,
    int UnionCount,
    int ExclusiveCount);

/// <summary>Which side a latent separates perfectly, if any.</summary>
public enum SeparatedSide
{
    None,
    A,
    B,
}

/// <summary>
/// Paired tests of one latent, pairing the two sides by topic. Per topic, a side's presence is the fraction of its
/// prompts on that topic where the latent is active and its magnitude the mean value there (inactive = 0); with one
/// prompt per topic and side these are the plain values. Topics with equal values on both sides are ties (dropped).
/// </summary>
/// <param name="TopicsMoreActiveA">Topics where the latent's presence on A exceeds that on B.</param>
/// <param name="SignP">Exact sign test on the per-topic presence differences (McNemar's exact test for one prompt per side).</param>
/// <param name="WilcoxonTPlus">Wilcoxon signed-rank T⁺ of the per-topic magnitude differences A − B.</param>
public sealed record PairedFeatureContrast(
    int TopicsMoreActiveA,
    int TopicsMoreActiveB,
    double SignP,
    double SignQ,
    double WilcoxonTPlus,
    double WilcoxonTMinus,
    int WilcoxonNonZero,
    double WilcoxonZ,
    double WilcoxonP,
    double WilcoxonQ);

/// <summary>
/// Every statistic of one latent in a contrast. Values of a prompt where the latent is inactive count as 0.
/// q-values are Benjamini–Hochberg over all d_sae latents (see <see cref="ContrastStatistics"/>).
/// </summary>
/// <param name="Log2OddsRatio">
/// log₂ of the odds ratio of being active, A over B, with 0.5 added to every cell (Haldane–Anscombe), so latents
/// active on only one side get a finite value.
/// </param>
/// <param name="FisherP">Two-sided Fisher's exact test on active/inactive × A/B.</param>
/// <param name="MeanA">Mean over all A prompts, inactive = 0.</param>
/// <param name="MannWhitneyUA">U of A: pairs (A prompt, B prompt) where A's value is larger, plus half the ties.</param>
/// <param name="RankBiserial">2·U_A/(n_A·n_B) − 1: positive when A's values tend to be larger.</param>
/// <param name="Paired">Paired tests; null when the sides do not have the same topics.</param>
/// <param name="PresenceSeparation">The side where the latent is active in every prompt while inactive in every prompt of the other.</param>
/// <param name="MagnitudeSeparation">The side whose every value exceeds every value of the other side.</param>
public sealed record FeatureContrast(
    int Feature,
    int ActiveA,
    int ActiveB,
    double PresenceRateA,
    double PresenceRateB,
    double PresenceDifference,
    double Log2OddsRatio,
    double FisherP,
    double FisherQ,
    double MeanA,
    double MeanB,
    double MeanDifference,
    double MaxA,
    double MaxB,
    double MannWhitneyUA,
    double MannWhitneyZ,
    double MannWhitneyP,
    double MannWhitneyQ,
    MannWhitneyMethod MannWhitneyMethod,
    double RankBiserial,
    PairedFeatureContrast? Paired,
    SeparatedSide PresenceSeparation,
    SeparatedSide MagnitudeSeparation);

/// <summary>The statistics of one contrast.</summary>
/// <param name="FeatureCount">d_sae: the m of the FDR correction.</param>
/// <param name="TestedCount">Latents active in at least one prompt of either side; the others have p = q = 1 and are not listed.</param>
/// <param name="PairedTopicCount">Topics the paired tests pair over; null when the sides' topics differ.</param>
/// <param name="Features">The tested latents, by Fisher q, then Fisher p, Mann–Whitney q, Mann–Whitney p and index.</param>
public sealed record ContrastStatisticsReport(
    Contrast Contrast,
    ContrastStatisticsOptions Options,
    ContrastSide A,
    ContrastSide B,
    int FeatureCount,
    int TestedCount,
    int? PairedTopicCount,
    IReadOnlyList<FeatureContrast> Features);
