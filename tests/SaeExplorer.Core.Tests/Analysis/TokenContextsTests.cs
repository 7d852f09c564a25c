using System.Text.Json;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class TokenContextsTests
{
    // Text "The cat sat on the mat" split into 6 tokens with their UTF-16 spans; latent 3 fires on "cat" (2.0) and
    // "mat" (5.0); latent 1 on "The" (1.0).
    private static TokenizedPrompt Prompt(string id, string condition, string text, string[] tokens, (int Token, int Feature, float Value)[] active)
    {
        var spans = new List<TokenSpan>();
        int at = 0;
        foreach (var t in tokens)
        {
            int start = text.IndexOf(t, at, StringComparison.Ordinal);
            spans.Add(new TokenSpan(t, start, start + t.Length));
            at = start + t.Length;
        }
        var dense = new float[tokens.Length * 5];
        foreach (var (token, feature, value) in active)
            dense[token * 5 + feature] = value;
        return new TokenizedPrompt(id, condition, text, spans, SparseFeatureMatrix.FromDense(dense, tokens.Length, 5));
    }

    private static readonly TokenizedPrompt[] Prompts =
    [
        Prompt("p1", "plain", "The cat sat on the mat", ["The", " cat", " sat", " on", " the", " mat"], [(0, 1, 1f), (1, 3, 2f), (5, 3, 5f)]),
        Prompt("p2", "fancy", "A dog ran", ["A", " dog", " ran"], [(1, 3, 2f)]),
        Prompt("p3", "fancy", "Nothing here", ["Nothing", " here"], []),
    ];

    [Fact]
    public void Top_contexts_with_window_and_marks()
    {
        var r = TokenContexts.ForFeature(Prompts, 3, topK: 2, window: 1);
        Assert.Equal(2, r.Top.Count);
        // Strongest: "mat" (5.0), one token of context on the left, none to the right (end of prompt).
        var first = r.Top[0];
        Assert.Equal(("p1", 5, 5f), (first.PromptId, first.Token, first.Value));
        Assert.Equal((" the", " mat", ""), (first.Left, first.TokenText, first.Right));
        Assert.Equal(" the[[ mat]]", first.Marked);
        // Tie at 2.0 between p1/" cat" and p2/" dog": the earlier prompt wins.
        var second = r.Top[1];
        Assert.Equal(("p1", 1), (second.PromptId, second.Token));
        Assert.Equal("The[[ cat]] sat", second.Marked);

        Assert.Equal(["plain", "fancy"], r.Conditions.Select(c => c.Condition));
        Assert.Equal(new ConditionTokenCounts("plain", 1, 6, 1, 2, 5f), r.Conditions[0]);
        Assert.Equal(new ConditionTokenCounts("fancy", 2, 5, 1, 1, 2f), r.Conditions[1]);
    }

    [Fact]
    public void Without_text_the_token_strings_are_joined()
    {
        var p = Prompts[1] with { Text = null };
        var r = TokenContexts.ForFeature([p], 3, topK: 5, window: 5);
        Assert.Equal("A[[ dog]] ran", Assert.Single(r.Top).Marked);
    }

    [Fact]
    public void Code_point_offsets_become_utf16()
    {
        // "😀 hi": the emoji is one code point but two UTF-16 units. Code points [0,1) and [1,4) → [0,2) and [2,5).
        var spans = TokenContexts.CodePointToUtf16("😀 hi", [(0, 1), (1, 4)]);
        Assert.Equal([(0, 2), (2, 5)], spans);
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenContexts.CodePointToUtf16("ab", [(0, 3)]));
    }

    [Fact]
    public void Json_keeps_text_readable()
    {
        var json = TokenContexts.ToJson(TokenContexts.ForFeatures(Prompts, [3, 1], topK: 1, window: 2));
        using var doc = JsonDocument.Parse(json);
        var features = doc.RootElement.GetProperty("features");
        Assert.Equal(2, features.GetArrayLength());
        var top = features[0].GetProperty("top")[0];
        Assert.Equal(" on the[[ mat]]", top.GetProperty("marked").GetString());
        Assert.Equal(5.0, top.GetProperty("value").GetDouble());
        Assert.Equal(2, features[0].GetProperty("conditions").GetProperty("fancy").GetProperty("prompts").GetInt32());
        Assert.Equal("[[The]] cat sat", features[1].GetProperty("top")[0].GetProperty("marked").GetString());
    }

    [Fact]
    public void Mismatched_tokens_and_rows_are_refused()
    {
        var bad = Prompts[0] with { Tokens = Prompts[0].Tokens.Take(5).ToArray() };
        Assert.Throws<ArgumentException>(() => TokenContexts.ForFeature([bad], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenContexts.ForFeature(Prompts, 5));
    }
}
