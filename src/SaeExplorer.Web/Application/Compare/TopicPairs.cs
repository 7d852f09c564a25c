using SaeExplorer.Core.Analysis;
using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Web.Application.Compare;

/// <summary>One topic's value under condition A and under condition B.</summary>
public sealed record TopicPair(string Topic, double A, double B);

/// <summary>Two conditions paired by topic, for one metric.</summary>
/// <param name="Metric">What the values are, as the page names it.</param>
/// <param name="Pairs">Topics with prompts under both conditions, in the run's order.</param>
/// <param name="OnlyA">Topics with prompts under A but none under B: left out, as they have nothing to pair with.</param>
/// <param name="OnlyB">Likewise, under B only.</param>
public sealed record PairedTopics(string A, string B, string Metric, IReadOnlyList<TopicPair> Pairs, IReadOnlyList<string> OnlyA, IReadOnlyList<string> OnlyB)
{
    public int LeftOut => OnlyA.Count + OnlyB.Count;
}

/// <summary>
/// Pairs two conditions' prompts by topic, as the paired tests of <see cref="ContrastStatistics"/> do: a topic's value on
/// a side is the mean over that side's prompts on the topic (the plain value with one prompt per topic and condition).
/// </summary>
public static class TopicPairs
{
    public const string ActiveCountMetric = "active features";

    public static string FeatureMetric(int feature) => $"feature {feature}";

    /// <summary>Pairs <paramref name="a"/> with <paramref name="b"/>; prompts without a topic are not paired.</summary>
    public static PairedTopics Pair(IReadOnlyList<PooledPrompt> prompts, string a, string b, string metric, Func<PooledPrompt, double> value)
    {
        if (a == b)
            throw new ArgumentException($"both sides are '{a}'; a topic cannot be paired with itself.", nameof(b));
        var byTopic = FeatureProfiles.ByTopic(prompts, value);
        int ia = Column(byTopic, a), ib = Column(byTopic, b);
        var rows = byTopic.Topics.Select(r => (r.Topic, A: At(r, ia), B: At(r, ib))).ToList();
        return new PairedTopics(a, b, metric,
            rows.Where(r => r.A is not null && r.B is not null).Select(r => new TopicPair(r.Topic, r.A!.Value, r.B!.Value)).ToList(),
            rows.Where(r => r.A is not null && r.B is null).Select(r => r.Topic).ToList(),
            rows.Where(r => r.B is not null && r.A is null).Select(r => r.Topic).ToList());
    }

    private static double? At(TopicRow row, int column) => column < 0 ? null : row.Values[column];

    /// <summary>Latents active in a pooled prompt.</summary>
    public static double ActiveCount(PooledPrompt prompt) => prompt.Features.ActiveCount;

    /// <summary>One latent's pooled value in a prompt, 0 where inactive.</summary>
    public static Func<PooledPrompt, double> FeatureValue(int feature) => prompt => prompt.Features.ValueOf(feature);

    public static Table ToTable(PairedTopics paired) =>
        new(["topic", "metric", "condition_a", "value_a", "condition_b", "value_b", "difference_b_minus_a"],
            paired.Pairs.Select(p => (IReadOnlyList<object?>)[p.Topic, paired.Metric, paired.A, p.A, paired.B, p.B, p.B - p.A]));

    /// <summary>A condition's column, or -1 when no prompt has it (every topic then has nothing on that side).</summary>
    private static int Column(TopicValues byTopic, string condition) =>
        byTopic.Conditions.ToList().IndexOf(condition);
}
