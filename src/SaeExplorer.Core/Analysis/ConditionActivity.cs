using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis;

/// <summary>Per condition: prompts, mean active latents per prompt with a seeded bootstrap 95% CI, and the mean of each prompt's largest activation.</summary>
public sealed record ConditionActivity(string Condition, int Prompts, ConfidenceInterval ActiveCount, double MeanMaxActivation);

public static class ConditionActivities
{
    public const int Resamples = 2000;

    /// <summary>
    /// One row per condition in <paramref name="order"/> that has prompts. One source for the CLI's table, the
    /// dashboard's chart and the comparison figure, so all three agree to the digit.
    /// </summary>
    public static IReadOnlyList<ConditionActivity> Compute(IReadOnlyList<PooledPrompt> pooled, IEnumerable<string> order, ulong seed = 0)
    {
        var result = new List<ConditionActivity>();
        foreach (var condition in order)
        {
            var prompts = pooled.Where(p => p.Condition == condition).ToList();
            if (prompts.Count == 0)
                continue;
            var ci = Bootstrap.MeanInterval(prompts.Select(p => (double)p.Features.ActiveCount).ToArray(), Resamples, seed);
            double meanMax = prompts.Average(p => p.Features.Values.Length == 0 ? 0 : p.Features.Values.Max());
            result.Add(new ConditionActivity(condition, prompts.Count, ci, meanMax));
        }
        return result;
    }

}
