using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Core.Json;

/// <summary><c>autointerp_results.json</c>: per feature, its distribution in each condition keyed by name.</summary>
internal sealed record FeatureDistributionsJson(IReadOnlyList<FeatureDistributionJson> Features)
{
    public static FeatureDistributionsJson From(IReadOnlyList<FeatureDistribution> distributions) =>
        new(distributions.Select(f =>
        {
            var conditions = new OrderedDictionary<string, ConditionDistributionJson>(StringComparer.Ordinal);
            foreach (var c in f.Conditions)
            {
                conditions.Add(c.Condition, new ConditionDistributionJson(
                    c.PromptCount, c.ActiveCount, c.ActiveFraction, c.MeanWhenActive, c.MedianWhenActive, c.MaxWhenActive, c.PromptIds, c.Values));
            }
            return new FeatureDistributionJson(f.Feature, conditions);
        }).ToArray());
}

internal sealed record FeatureDistributionJson(int Feature, OrderedDictionary<string, ConditionDistributionJson> Conditions);

internal sealed record ConditionDistributionJson(
    int Prompts,
    int Active,
    double Fraction,
    double? MeanWhenActive,
    double? MedianWhenActive,
    double? MaxWhenActive,
    IReadOnlyList<string> PromptIds,
    IReadOnlyList<double> Values);
