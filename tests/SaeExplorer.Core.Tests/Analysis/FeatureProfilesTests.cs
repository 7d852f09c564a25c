using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class FeatureProfilesTests
{
    private static TokenizedPrompt Prompt(string id, string condition, string text, (string Text, int Start, int End)[] tokens, (int Token, int Feature, float Value)[] active)
    {
        var dense = new float[tokens.Length * 5];
        foreach (var (token, feature, value) in active)
            dense[token * 5 + feature] = value;
        return new TokenizedPrompt(id, condition, text, tokens.Select(t => new TokenSpan(t.Text, t.Start, t.End)).ToArray(),
            SparseFeatureMatrix.FromDense(dense, tokens.Length, 5));
    }

    // "The cat sat" (3 tokens) and "A dog ran far" (4 tokens); latent 3 fires on "cat" (2.5), "sat" (1) and "ran" (4).
    private static readonly TokenizedPrompt[] Prompts =
    [
        Prompt("p1", "plain", "The cat sat", [("The", 0, 3), (" cat", 3, 7), (" sat", 7, 11)], [(1, 3, 2.5f), (2, 3, 1f), (0, 1, 9f)]),
        Prompt("p2", "fancy", "A dog ran far", [("A", 0, 1), (" dog", 1, 5), (" ran", 5, 9), (" far", 9, 13)], [(2, 3, 4f)]),
        Prompt("p3", "fancy", "Nothing", [("Nothing", 0, 7)], []),
    ];

    [Fact]
    public void Density_counts_tokens_and_prompts_and_bins_the_non_zero_values()
    {
        var d = FeatureProfiles.Density(Prompts, 3, bins: 3);

        Assert.Equal((8, 3, 3, 2), (d.Tokens, d.ActiveTokens, d.Prompts, d.ActivePrompts));
        Assert.Equal(3.0 / 8, d.TokenFraction);
        Assert.Equal(2.0 / 3, d.PromptFraction);
        // Values 1, 2.5, 4 in three bins over [1, 4]: [1, 2), [2, 3), [3, 4].
        Assert.Equal(1.0, d.Bins!.Start);
        Assert.Equal(1.0, d.Bins.Size, 6);
        Assert.Equal([1, 1, 1], d.Counts);
    }

    [Fact]
    public void Density_of_a_latent_that_never_fires_has_no_bins()
    {
        var d = FeatureProfiles.Density(Prompts, 4);

        Assert.Equal((8, 0, 0), (d.Tokens, d.ActiveTokens, d.ActivePrompts));
        Assert.Null(d.Bins);
        Assert.Empty(d.Counts);
    }

    [Fact]
    public void A_window_carries_every_tokens_value_not_only_the_peaks()
    {
        var contexts = TokenContexts.ForFeature(Prompts, 3, topK: 2, window: 1).Top;
        var windows = FeatureProfiles.Windows(Prompts, contexts, 3, window: 1);

        Assert.Equal(2, windows.Count);
        // Strongest first: "ran" (4) in p2 with " dog" and " far" around it.
        Assert.Equal(("p2", 1, 1), (windows[0].PromptId, windows[0].Start, windows[0].Peak));
        Assert.Equal([" dog", " ran", " far"], windows[0].Tokens);
        Assert.Equal([0f, 4f, 0f], windows[0].Values);
        Assert.Equal(4f, windows[0].PeakValue);
        // Then "cat" (2.5) in p1: its neighbour " sat" has its own heat (1), which one highlighted token would not show.
        Assert.Equal(("p1", 0, 1), (windows[1].PromptId, windows[1].Start, windows[1].Peak));
        Assert.Equal([0f, 2.5f, 1f], windows[1].Values);
    }

    [Fact]
    public void A_character_split_over_byte_tokens_shows_once_in_a_window()
    {
        // "a🙂" where the emoji is two byte-level tokens sharing its span [1, 3).
        var p = Prompt("e", "c", "a🙂", [("a", 0, 1), ("\u00F0\u0178", 1, 3), ("\u013B\u0124", 1, 3)], [(1, 2, 1f), (2, 2, 3f)]);
        var contexts = TokenContexts.ForFeature([p], 2, topK: 1, window: 2).Top;
        var w = FeatureProfiles.Windows([p], contexts, 2, window: 2)[0];

        Assert.Equal(["a", "🙂", ""], w.Tokens);
        Assert.Equal([0f, 1f, 3f], w.Values);
        Assert.Equal(2, w.Peak);
    }

    private static PooledPrompt Pooled(string id, string condition, string topic, params (int Feature, float Value)[] active) =>
        new(id, condition, topic, new SparseVector(10, active.Select(a => a.Feature).ToArray(), active.Select(a => a.Value).ToArray()));

    private static readonly PooledPrompt[] PooledPrompts =
    [
        Pooled("a1", "novice", "tides", (1, 1f), (2, 1f), (5, 3f)),
        Pooled("a2", "novice", "rust", (1, 2f), (2, 1f)),
        Pooled("b1", "expert", "tides", (2, 1f), (5, 1f)),
        Pooled("b2", "expert", "rust", (2, 4f), (6, 1f)),
        Pooled("b3", "expert", "rust", (1, 6f), (2, 2f)),
    ];

    [Fact]
    public void Co_active_latents_rank_by_the_jaccard_index_of_their_prompts()
    {
        // Latent 1 is in a1, a2, b3. Latent 2 is in all five: 3 shared / 5. Latent 5 (a1, b1): 1 / 4. Latent 6 (b2): none shared.
        var co = FeatureProfiles.CoActive(PooledPrompts, 1);

        Assert.Equal([2, 5], co.Select(c => c.Feature));
        Assert.Equal((3, 5, 0.6), (co[0].Both, co[0].Either, co[0].Jaccard));
        Assert.Equal((1, 4, 0.25), (co[1].Both, co[1].Either, co[1].Jaccard));
    }

    [Fact]
    public void By_topic_follows_each_topic_across_conditions_with_zeros_and_means()
    {
        var t = FeatureProfiles.ByTopic(PooledPrompts, 1);

        Assert.Equal(["novice", "expert"], t.Conditions);
        Assert.Equal(["tides", "rust"], t.Topics.Select(r => r.Topic));
        Assert.Equal([1.0, 0.0], t.Topics[0].Values);
        // rust has two expert prompts (0 and 6): their mean.
        Assert.Equal([2.0, 3.0], t.Topics[1].Values);
    }

    [Fact]
    public void By_topic_leaves_a_missing_condition_empty()
    {
        var t = FeatureProfiles.ByTopic([.. PooledPrompts, Pooled("c1", "guru", "tides", (1, 5f))], 1);

        Assert.Equal(["novice", "expert", "guru"], t.Conditions);
        Assert.Equal([1.0, 0.0, 5.0], t.Topics[0].Values);
        Assert.Equal([2.0, 3.0, null], t.Topics[1].Values);
    }
}
