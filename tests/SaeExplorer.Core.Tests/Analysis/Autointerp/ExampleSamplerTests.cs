using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis.Autointerp;

public sealed class ExampleSamplerTests
{
    private const int Features = 8;

    /// <summary>A document of <paramref name="length"/> tokens "t0".."tn" with the given (token, feature, value) activations.</summary>
    private static ExampleDocument Doc(string id, string condition, int length, params (int Token, int Feature, float Value)[] active)
    {
        var dense = new float[length * Features];
        foreach (var (t, f, v) in active)
            dense[t * Features + f] = v;
        return new ExampleDocument(id, condition, ExampleDocument.PromptSource, Enumerable.Range(0, length).Select(t => $"t{t}").ToArray(),
            SparseFeatureMatrix.FromDense(dense, length, Features));
    }

    /// <summary>
    /// 40 documents of 30 tokens. Feature 1 fires in documents 0–19 at token 10 + (i mod 5) with value i + 1 (so document
    /// 19 is the strongest); documents 20–39 never fire it. Documents 20–22 share features 4, 5, 6 with the firing ones
    /// (on token 25); the rest carry only feature 7.
    /// </summary>
    private static List<ExampleDocument> Corpus() =>
        Enumerable.Range(0, 40).Select(i => i < 20
            ? Doc($"d{i}", i % 2 == 0 ? "novice" : "expert", 30, (10 + i % 5, 1, i + 1), (10 + i % 5, 4, 1), (2, 5, 1), (3, 6, 1))
            : i < 23
                ? Doc($"d{i}", "standard", 30, (25, 4, 1), (25, 5, 1), (25, 6, 1))
                : Doc($"d{i}", "standard", 30, (0, 7, 1))).ToList();

    [Fact]
    public void Held_out_and_shown_examples_come_from_different_documents_across_the_quantiles()
    {
        var set = new ExampleSampler(Corpus()).Sample(1, new ExampleOptions(Explain: 8, Test: 5, Random: 4, Similar: 3, Window: 3, Quantiles: 5));
        Assert.Equal((40, 20), (set.Documents, set.ActiveDocuments));
        var test = set.Test.Where(e => e.Activates).ToList();
        Assert.Equal(5, test.Count);
        Assert.Equal(8, set.Explain.Count);
        Assert.Empty(set.Explain.Select(e => e.DocumentId).Intersect(test.Select(e => e.DocumentId)));
        // Five quantiles of four documents each: round-robin puts one held-out example in every quantile.
        Assert.Equal([1, 2, 3, 4, 5], test.Select(e => e.Quantile).Order());
        // Quantile 1 is the strongest fifth: documents 16–19 (values 17–20).
        Assert.All(test.Where(e => e.Quantile == 1), e => Assert.True(e.Max >= 17));
        Assert.All(test.Where(e => e.Quantile == 5), e => Assert.True(e.Max <= 4));
        Assert.Equal(2, set.Explain.Count(e => e.Quantile == 1));
    }

    [Fact]
    public void An_example_is_a_window_around_the_peak_with_the_feature_value_per_token()
    {
        var set = new ExampleSampler(Corpus()).Sample(1, new ExampleOptions(Explain: 20, Test: 0, Random: 0, Similar: 0, Window: 3));
        var e = set.Explain.Single(x => x.DocumentId == "d7");
        // Peak at token 12 (10 + 7 mod 5), value 8: tokens 9..15.
        Assert.Equal(9, e.Start);
        Assert.Equal(["t9", "t10", "t11", "t12", "t13", "t14", "t15"], e.Tokens);
        Assert.Equal([0f, 0f, 0f, 8f, 0f, 0f, 0f], e.Activations);
        Assert.Equal("expert", e.Condition);
        // With no held-out examples asked for, all 20 activating documents are shown.
        Assert.Equal(20, set.Explain.Count);
        Assert.False(set.CanScore);
    }

    [Fact]
    public void Windows_are_clipped_at_the_document_edges()
    {
        var docs = new List<ExampleDocument> { Doc("a", "x", 5, (0, 2, 3)), Doc("b", "x", 5, (4, 2, 1)) };
        var set = new ExampleSampler(docs).Sample(2, new ExampleOptions(Explain: 2, Test: 0, Random: 0, Similar: 0, Window: 2));
        var a = set.Explain.Single(e => e.DocumentId == "a");
        var b = set.Explain.Single(e => e.DocumentId == "b");
        Assert.Equal((0, 3), (a.Start, a.Tokens.Count));
        Assert.Equal((2, 3), (b.Start, b.Tokens.Count));
        Assert.Equal([0f, 0f, 1f], b.Activations);
    }

    [Fact]
    public void Similar_negatives_are_the_silent_documents_sharing_the_most_features_centred_where_they_share_them()
    {
        var set = new ExampleSampler(Corpus()).Sample(1, new ExampleOptions(Explain: 5, Test: 5, Random: 0, Similar: 3, Window: 2));
        var similar = set.Test.Where(e => e.Kind == ExampleKind.Similar).ToList();
        Assert.Equal(["d20", "d21", "d22"], similar.Select(e => e.DocumentId).Order());
        Assert.All(similar, e => Assert.Equal(23, e.Start));
        Assert.All(similar, e => Assert.Equal(0, e.Quantile));
        Assert.All(similar, e => Assert.All(e.Activations, v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void Random_negatives_never_fire_are_not_also_similar_and_the_draw_repeats_for_a_seed()
    {
        var sampler = new ExampleSampler(Corpus());
        var options = new ExampleOptions(Explain: 5, Test: 5, Random: 10, Similar: 3, Window: 2, Seed: 11);
        var set = sampler.Sample(1, options);
        var random = set.Test.Where(e => e.Kind == ExampleKind.Random).ToList();
        Assert.Equal(10, random.Count);
        Assert.All(random, e => Assert.True(int.Parse(e.DocumentId[1..]) >= 20));
        Assert.Empty(random.Select(e => e.DocumentId).Intersect(set.Test.Where(e => e.Kind == ExampleKind.Similar).Select(e => e.DocumentId)));
        Assert.True(set.CanScore);
        var again = sampler.Sample(1, options);
        Assert.Equal(set.Test.Select(e => (e.DocumentId, e.Start)), again.Test.Select(e => (e.DocumentId, e.Start)));
        Assert.Equal(set.Explain.Select(e => e.DocumentId), again.Explain.Select(e => e.DocumentId));
        var other = sampler.Sample(1, options with { Seed = 12 });
        Assert.NotEqual(set.Test.Select(e => e.DocumentId), other.Test.Select(e => e.DocumentId));
    }

    [Fact]
    public void Few_activating_documents_keep_half_for_the_explainer()
    {
        var docs = Corpus().Skip(17).ToList(); // documents 17, 18, 19 fire
        var set = new ExampleSampler(docs).Sample(1, new ExampleOptions(Explain: 20, Test: 10, Random: 2, Similar: 0));
        Assert.Equal(1, set.Test.Count(e => e.Activates));
        Assert.Equal(2, set.Explain.Count);
    }

    [Fact]
    public void Condition_shares_count_prompts_where_the_feature_fires()
    {
        var set = new ExampleSampler(Corpus()).Sample(1, new ExampleOptions());
        Assert.Equal([new ConditionShare("novice", 10, 10), new ConditionShare("expert", 10, 10), new ConditionShare("standard", 20, 0)], set.Conditions);
    }

    [Fact]
    public void Bad_input_is_refused_with_the_reason()
    {
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => new ExampleSampler([Doc("a", "x", 2), Doc("a", "x", 2)])).Message);
        Assert.Contains("outside 0..7", Assert.Throws<ArgumentOutOfRangeException>(() => new ExampleSampler(Corpus()).Sample(8, new ExampleOptions())).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExampleSampler(Corpus()).Sample(1, new ExampleOptions(Window: 0)));
    }

    [Fact]
    public void Jaccard_is_shared_over_union()
    {
        Assert.Equal(2.0 / 5, ExampleSampler.Jaccard([1, 2, 3, 4], [3, 4, 5]), 12);
        Assert.Equal(0, ExampleSampler.Jaccard([], []));
    }
}
