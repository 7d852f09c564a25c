using System.Text.Json.Serialization;
using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Core.Json;

/// <summary>The JSON of a <see cref="ContrastStatisticsReport"/>: settings, both sides, one object per tested latent.</summary>
internal sealed record ContrastStatisticsJson(
    string A,
    string B,
    int FeatureCount,
    int TestedCount,
    int? PairedTopicCount,
    ContrastOptionsJson Options,
    ContrastSideJson SideA,
    ContrastSideJson SideB,
    IReadOnlyList<FeatureContrastJson> Features)
{
    private const string Fdr = "benjamini-hochberg over feature_count latents per test family";

    public static ContrastStatisticsJson From(ContrastStatisticsReport report)
    {
        var o = report.Options;
        return new ContrastStatisticsJson(
            report.Contrast.A, report.Contrast.BName, report.FeatureCount, report.TestedCount, report.PairedTopicCount,
            new ContrastOptionsJson(o.BootstrapResamples, o.Seed, o.ConfidenceLevel, o.MannWhitneyMethod.ToString().ToLowerInvariant(), Fdr),
            Side(report.A), Side(report.B),
            report.Features.Select(Feature).ToArray());
    }

    private static ContrastSideJson Side(ContrastSide s) => new(
        s.Name, s.PromptCount, s.MeanActiveCount.Estimate, s.MeanActiveCount.Lower, s.MeanActiveCount.Upper,
        s.MaxActivation, s.MeanActivation, s.UnionCount, s.ExclusiveCount);

    private static FeatureContrastJson Feature(FeatureContrast f) => new(
        f.Feature, f.ActiveA, f.ActiveB, f.PresenceRateA, f.PresenceRateB, f.PresenceDifference, f.Log2OddsRatio,
        f.FisherP, f.FisherQ, f.MeanA, f.MeanB, f.MeanDifference, f.MaxA, f.MaxB,
        f.MannWhitneyUA, f.MannWhitneyZ, f.MannWhitneyP, f.MannWhitneyQ, f.MannWhitneyMethod.ToString().ToLowerInvariant(), f.RankBiserial,
        f.Paired is { } p
            ? new PairedContrastJson(p.TopicsMoreActiveA, p.TopicsMoreActiveB, p.SignP, p.SignQ, p.WilcoxonTPlus, p.WilcoxonTMinus,
                p.WilcoxonNonZero, p.WilcoxonZ, p.WilcoxonP, p.WilcoxonQ)
            : null,
        ContrastStatistics.SideName(f.PresenceSeparation), ContrastStatistics.SideName(f.MagnitudeSeparation));
}

internal sealed record ContrastOptionsJson(int BootstrapResamples, ulong Seed, double ConfidenceLevel, string MannWhitneyMethod, string Fdr);

internal sealed record ContrastSideJson(
    string Name,
    int Prompts,
    double MeanActiveCount,
    double MeanActiveCountCiLower,
    double MeanActiveCountCiUpper,
    double MaxActivation,
    double MeanActivation,
    int Union,
    int Exclusive);

internal sealed record FeatureContrastJson(
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
    // The naming policy would write "mann_whitney_ua"; U is the statistic, A its side.
    [property: JsonPropertyName("mann_whitney_u_a")] double MannWhitneyUA,
    double MannWhitneyZ,
    double MannWhitneyP,
    double MannWhitneyQ,
    string MannWhitneyMethod,
    double RankBiserial,
    PairedContrastJson? Paired,
    string PresenceSeparation,
    string MagnitudeSeparation);

internal sealed record PairedContrastJson(
    int TopicsMoreActiveA,
    int TopicsMoreActiveB,
    double SignP,
    double SignQ,
    double WilcoxonTPlus,
    double WilcoxonTMinus,
    int WilcoxonNonzero,
    double WilcoxonZ,
    double WilcoxonP,
    double WilcoxonQ);
