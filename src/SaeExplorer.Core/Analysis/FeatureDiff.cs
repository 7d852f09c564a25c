using SaeExplorer.Core.Json;

namespace SaeExplorer.Core.Analysis;

/// <summary>
/// Compares which SAE features fire under different prompt styles: per-condition summaries and contrasts between
/// conditions, computed on pooled vectors (one per prompt). A feature counts as active in a prompt when it is stored
/// in that prompt's sparse vector (pooling drops zeros).
/// </summary>
public static class FeatureDiff
{
    /// <summary>Condition summaries (in order of first appearance) and the requested contrasts (in the given order).</summary>
    public static FeatureDiffReport Analyze(IReadOnlyList<PooledPrompt> prompts, IEnumerable<Contrast> contrasts)
    {
        var summaries = SummarizeConditions(prompts);
        var results = contrasts.Select(c => Compare(prompts, c)).ToArray();
        return new FeatureDiffReport(summaries, results);
    }

    public static IReadOnlyList<ConditionSummary> SummarizeConditions(IReadOnlyList<PooledPrompt> prompts)
    {
        CheckInput(prompts);
        return prompts
            .GroupBy(p => p.Condition, StringComparer.Ordinal)
            .Select(g =>
            {
                var list = g.ToArray();
                var first = list[0];
                return new ConditionSummary(
                    g.Key,
                    new FirstSample(first.Id, first.Features.ActiveCount, MaxActivation(first)),
                    list.Length,
                    list.Average(p => (double)p.Features.ActiveCount),
                    list.Average(p => (double)MaxActivation(p)));
            })
            .ToArray();
    }

    public static ContrastResult Compare(IReadOnlyList<PooledPrompt> prompts, Contrast contrast)
    {
        var (a, b) = Sides(prompts, contrast);
        var statsA = FeatureStats(a);
        var statsB = FeatureStats(b);
        return new ContrastResult(
            contrast,
            a.Length,
            b.Length,
            a.Average(p => (double)p.Features.ActiveCount),
            b.Average(p => (double)p.Features.ActiveCount),
            statsA.Count,
            statsB.Count,
            statsA.Keys.Count(f => !statsB.ContainsKey(f)),
            statsB.Keys.Count(f => !statsA.ContainsKey(f)),
            MeanActivation(a),
            MeanActivation(b),
            Separating(statsA, a.Length, statsB),
            Separating(statsB, b.Length, statsA));
    }

    /// <summary>
    /// <c>feature_diff.json</c>: snake_case keys in a fixed order, conditions keyed by name, numbers in invariant
    /// (JSON) form, so two runs on the same data give byte-identical files.
    /// </summary>
    /// <param name="answers">with generated answers, their per-condition counts go under <c>answers</c></param>
    public static string ToJson(FeatureDiffReport report, IReadOnlyList<AnswerCounts>? answers = null) =>
        CoreJsonContext.FileText(FeatureDiffJson.From(report, answers), CoreJsonContext.Default.FeatureDiffJson);

    /// <summary>
    /// The prompts of a contrast's two sides (input order), after checking the input and the contrast: both conditions
    /// exist and differ, and a one-vs-rest contrast has a rest that is not ambiguous. Shared with
    /// <see cref="ContrastStatistics"/> so both analyses agree on what a contrast means.
    /// </summary>
    internal static (PooledPrompt[] A, PooledPrompt[] B) Sides(IReadOnlyList<PooledPrompt> prompts, Contrast contrast)
    {
        CheckInput(prompts);
        var known = prompts.Select(p => p.Condition).Distinct(StringComparer.Ordinal).ToArray();
        RequireKnown(contrast.A, known);
        if (contrast.B is not null)
        {
            RequireKnown(contrast.B, known);
            if (contrast.B == contrast.A)
                throw new ArgumentException($"contrast compares condition '{contrast.A}' with itself.", nameof(contrast));
        }
        else if (known.Contains(Contrast.RestName, StringComparer.Ordinal))
        {
            // The report writes the B side of a one-vs-rest contrast as "rest"; a real condition of that name would be ambiguous.
            throw new ArgumentException($"a condition is named '{Contrast.RestName}', so a one-vs-rest contrast would be ambiguous in the report; rename that condition.", nameof(contrast));
        }
        else if (known.Length < 2)
        {
            throw new ArgumentException($"condition '{contrast.A}' has no other conditions to be compared with.", nameof(contrast));
        }

        var a = prompts.Where(p => p.Condition == contrast.A).ToArray();
        var b = prompts.Where(p => contrast.B is null ? p.Condition != contrast.A : p.Condition == contrast.B).ToArray();
        return (a, b);
    }

    /// <summary>
    /// The prompts whose ids are in <paramref name="selected"/> (side A) and all the others (side B), both in input
    /// order, after checking the input: every selected id is a prompt's, and both sides hold at least one prompt.
    /// </summary>
    internal static (PooledPrompt[] A, PooledPrompt[] B) SelectionSides(IReadOnlyList<PooledPrompt> prompts, IReadOnlyCollection<string> selected)
    {
        CheckInput(prompts);
        var chosen = new HashSet<string>(selected, StringComparer.Ordinal);
        var unknown = chosen.Except(prompts.Select(p => p.Id), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (unknown.Length > 0)
            throw new ArgumentException($"no prompt has the id {string.Join(", ", unknown.Select(id => $"'{id}'"))}.", nameof(selected));
        if (chosen.Count == 0)
            throw new ArgumentException("no prompts are selected; select at least one to compare with the rest.", nameof(selected));
        if (chosen.Count == prompts.Count)
            throw new ArgumentException("every prompt is selected, so there is no rest to compare with; leave some out.", nameof(selected));
        var a = prompts.Where(p => chosen.Contains(p.Id)).ToArray();
        var b = prompts.Where(p => !chosen.Contains(p.Id)).ToArray();
        return (a, b);
    }

    /// <summary>Per feature: in how many of the prompts it is active, and the sum of its values there.</summary>
    private static Dictionary<int, (int Prompts, double Sum)> FeatureStats(IEnumerable<PooledPrompt> prompts)
    {
        var stats = new Dictionary<int, (int Prompts, double Sum)>();
        foreach (var p in prompts)
        {
            var v = p.Features;
            for (int k = 0; k < v.Indices.Length; k++)
            {
                var s = stats.GetValueOrDefault(v.Indices[k]);
                stats[v.Indices[k]] = (s.Prompts + 1, s.Sum + v.Values[k]);
            }
        }
        return stats;
    }

    private static IReadOnlyList<SeparatingFeature> Separating(
        Dictionary<int, (int Prompts, double Sum)> side, int sidePromptCount, Dictionary<int, (int Prompts, double Sum)> other) =>
        side
            .Where(kv => kv.Value.Prompts == sidePromptCount && !other.ContainsKey(kv.Key))
            .Select(kv => new SeparatingFeature(kv.Key, kv.Value.Sum / sidePromptCount))
            .OrderByDescending(f => f.MeanActivation)
            .ThenBy(f => f.Feature)
            .ToArray();

    internal static double MeanActivation(IEnumerable<PooledPrompt> prompts)
    {
        var perPrompt = prompts.Where(p => p.Features.ActiveCount > 0)
            .Select(p => p.Features.Values.Average(v => (double)v))
            .ToArray();
        return perPrompt.Length == 0 ? 0 : perPrompt.Average();
    }

    internal static float MaxActivation(PooledPrompt p) => p.Features.ActiveCount == 0 ? 0f : p.Features.Values.Max();

    private static void RequireKnown(string condition, string[] known)
    {
        if (!known.Contains(condition, StringComparer.Ordinal))
            throw new ArgumentException($"unknown condition '{condition}'; the prompts have: {string.Join(", ", known)}.");
    }

    internal static void CheckInput(IReadOnlyList<PooledPrompt> prompts)
    {
        if (prompts.Count == 0)
            throw new ArgumentException("no pooled prompts to analyse.", nameof(prompts));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int featureCount = prompts[0].Features.FeatureCount;
        foreach (var p in prompts)
        {
            if (!ids.Add(p.Id))
                throw new ArgumentException($"prompt id '{p.Id}' appears twice.", nameof(prompts));
            if (p.Features.FeatureCount != featureCount)
                throw new ArgumentException($"prompt '{p.Id}' has {p.Features.FeatureCount} features but '{prompts[0].Id}' has {featureCount}; all prompts must come from the same SAE.", nameof(prompts));
            if (p.Features.Indices.Length != p.Features.Values.Length)
                throw new ArgumentException($"prompt '{p.Id}' has {p.Features.Indices.Length} indices but {p.Features.Values.Length} values.", nameof(prompts));
            foreach (var v in p.Features.Values)
            {
                if (!float.IsFinite(v))
                    throw new ArgumentException($"prompt '{p.Id}' has a non-finite activation ({v}).", nameof(prompts));
            }
        }
    }
}
