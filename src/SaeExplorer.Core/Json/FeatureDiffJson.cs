using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Core.Json;

/// <summary><c>feature_diff.json</c>: conditions keyed by name (in order of first appearance), then the contrasts.</summary>
internal sealed record FeatureDiffJson(
    OrderedDictionary<string, ConditionSummaryJson> Conditions,
    IReadOnlyList<FeatureDiffContrastJson> Contrasts,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    OrderedDictionary<string, AnswerCountsJson>? Answers = null)
{
    public static FeatureDiffJson From(FeatureDiffReport report, IReadOnlyList<AnswerCounts>? answers = null)
    {
        var conditions = new OrderedDictionary<string, ConditionSummaryJson>(StringComparer.Ordinal);
        foreach (var c in report.Conditions)
        {
            conditions.Add(c.Name, new ConditionSummaryJson(
                new FirstSampleJson(c.FirstSample.Id, c.FirstSample.ActiveCount, c.FirstSample.MaxActivation),
                c.MeanActiveCount, c.MeanMaxActivation, c.PromptCount));
        }
        var contrasts = report.Contrasts.Select(r => new FeatureDiffContrastJson(
            r.Contrast.A, r.Contrast.BName, r.PromptCountA, r.PromptCountB, r.MeanActiveCountA, r.MeanActiveCountB,
            r.UnionA, r.UnionB, r.ExclusiveToA, r.ExclusiveToB, r.MeanActivationA, r.MeanActivationB,
            Separating(r.AlwaysANeverB), Separating(r.AlwaysBNeverA))).ToArray();
        OrderedDictionary<string, AnswerCountsJson>? answerSide = null;
        if (answers is not null)
        {
            answerSide = new OrderedDictionary<string, AnswerCountsJson>(StringComparer.Ordinal);
            foreach (var a in answers)
                answerSide.Add(a.Condition, new AnswerCountsJson(a.Answers, a.MeanAnswerTokens, a.StoppedFraction, a.MeanActiveCount, a.MeanMaxActivation));
        }
        return new FeatureDiffJson(conditions, contrasts, answerSide);
    }

    private static SeparatingFeatureJson[] Separating(IReadOnlyList<SeparatingFeature> features) =>
        features.Select(f => new SeparatingFeatureJson(f.Feature, f.MeanActivation)).ToArray();
}

/// <summary>A condition's answers: count, mean length, the fraction that stopped on a stop token, and their max-pooled features.</summary>
internal sealed record AnswerCountsJson(int Answers, double MeanAnswerTokens, double StoppedFraction, double MeanActiveCount, double MeanMaxActivation);

internal sealed record ConditionSummaryJson(FirstSampleJson FirstSample, double MeanActiveCount, double MeanMaxActivation, int Prompts);

internal sealed record FirstSampleJson(string Id, int ActiveCount, float MaxActivation);

internal sealed record FeatureDiffContrastJson(
    string A,
    string B,
    int PromptsA,
    int PromptsB,
    double MeanActiveCountA,
    double MeanActiveCountB,
    int UnionA,
    int UnionB,
    int ExclusiveToA,
    int ExclusiveToB,
    double MeanActivationA,
    double MeanActivationB,
    IReadOnlyList<SeparatingFeatureJson> AlwaysANeverB,
    IReadOnlyList<SeparatingFeatureJson> AlwaysBNeverA);

internal sealed record SeparatingFeatureJson(int Feature, double MeanActivation);
