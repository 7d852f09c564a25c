using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Web.Application.Compare;

namespace SaeExplorer.Web.Tests.Application;

public sealed class TopicPairsTests
{
    private static PooledPrompt Prompt(string condition, string topic, params (int Feature, float Value)[] active) =>
        new($"{condition}/{topic}", condition, topic, new SparseVector(16, active.Select(a => a.Feature).ToArray(), active.Select(a => a.Value).ToArray()));

    private static readonly PooledPrompt[] Prompts =
    [
        Prompt("novice", "rain", (1, 2f), (3, 1f)),
        Prompt("expert", "rain", (1, 5f)),
        Prompt("novice", "tides", (2, 1f)),
        Prompt("expert", "tides", (1, 1f), (2, 1f), (3, 1f)),
        // Two expert prompts on one topic: their mean is the topic's value.
        Prompt("expert", "tides", (1, 3f)),
        Prompt("novice", "volcanoes", (1, 4f)),
        Prompt("expert", "comets", (5, 1f)),
        Prompt("guru", "rain", (1, 9f), (2, 9f)),
        // No topic: nothing to pair it by.
        Prompt("novice", "", (1, 7f)),
        Prompt("expert", "", (1, 7f)),
    ];

    [Fact]
    public void Active_counts_pair_by_topic_in_the_runs_order_and_one_sided_topics_are_left_out_and_named()
    {
        var paired = TopicPairs.Pair(Prompts, "novice", "expert", TopicPairs.ActiveCountMetric, TopicPairs.ActiveCount);

        Assert.Equal([("rain", 2.0, 1.0), ("tides", 1.0, 2.0)], paired.Pairs.Select(p => (p.Topic, p.A, p.B)));
        Assert.Equal(["volcanoes"], paired.OnlyA);
        Assert.Equal(["comets"], paired.OnlyB);
        Assert.Equal(2, paired.LeftOut);
        Assert.Equal(("novice", "expert", "active features"), (paired.A, paired.B, paired.Metric));
    }

    [Fact]
    public void A_features_value_is_0_where_inactive_and_averaged_over_a_sides_prompts_on_a_topic()
    {
        var paired = TopicPairs.Pair(Prompts, "expert", "guru", TopicPairs.FeatureMetric(1), TopicPairs.FeatureValue(1));

        Assert.Equal([("rain", 5.0, 9.0)], paired.Pairs.Select(p => (p.Topic, p.A, p.B)));
        Assert.Equal(["tides", "comets"], paired.OnlyA);
        Assert.Empty(paired.OnlyB);
        Assert.Equal("feature 1", paired.Metric);

        var tides = TopicPairs.Pair(Prompts, "novice", "expert", "f1", TopicPairs.FeatureValue(1)).Pairs.Single(p => p.Topic == "tides");
        Assert.Equal((0.0, 2.0), (tides.A, tides.B));
    }

    [Fact]
    public void A_condition_is_not_paired_with_itself_and_the_table_has_one_row_per_pair()
    {
        Assert.Throws<ArgumentException>(() => TopicPairs.Pair(Prompts, "novice", "novice", "m", TopicPairs.ActiveCount));

        var csv = TableExporter.ToCsv(TopicPairs.ToTable(TopicPairs.Pair(Prompts, "novice", "expert", "active features", TopicPairs.ActiveCount))).Split("\r\n");
        Assert.Equal("topic,metric,condition_a,value_a,condition_b,value_b,difference_b_minus_a", csv[0]);
        Assert.Equal("rain,active features,novice,2,expert,1,-1", csv[1]);
        Assert.Equal("tides,active features,novice,1,expert,2,1", csv[2]);
    }
}
