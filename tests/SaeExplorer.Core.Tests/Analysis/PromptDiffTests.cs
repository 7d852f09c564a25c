using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class PromptDiffTests
{
    private const int D = 8;

    // Each token: id, text, segment, features (latent, value).
    private static DiffPrompt Prompt(string id, params (int Id, string Text, string? Segment, (int F, float V)[] Features)[] tokens)
    {
        var dense = new float[tokens.Length * D];
        for (int t = 0; t < tokens.Length; t++)
        {
            foreach (var (f, v) in tokens[t].Features)
                dense[t * D + f] = v;
        }
        var segments = tokens.All(t => t.Segment is null) ? null : tokens.Select(t => t.Segment!).ToArray();
        return new DiffPrompt(id, tokens.Select(t => t.Id).ToArray(), tokens.Select(t => t.Text).ToArray(), segments, SparseFeatureMatrix.FromDense(dense, tokens.Length, D));
    }

    [Fact]
    public void Substitution_in_the_middle()
    {
        // A: "Explain photosynthesis simply"   B: "Explain photosynthesis rigorously ."
        var a = Prompt("a", (10, "Explain", null, [(1, 1f)]), (20, " photosynthesis", null, [(2, 1f), (3, 2f)]), (30, " simply", null, [(4, 1f)]));
        var b = Prompt("b", (10, "Explain", null, [(1, 1f)]), (20, " photosynthesis", null, [(3, 2.5f), (5, 0.5f)]), (40, " rigorously", null, [(6, 2f)]), (50, " .", null, []));
        var r = PromptDiff.Compare(a, b, changeThreshold: 0.1);
        Assert.Equal(
            [(TokenDiffKind.Aligned, 0, 0), (TokenDiffKind.Aligned, 1, 1), (TokenDiffKind.Deleted, 2, -1), (TokenDiffKind.Inserted, -1, 2), (TokenDiffKind.Inserted, -1, 3)],
            PromptDiff.Align(a, b));
        Assert.Equal(2, r.AlignedCount);
        Assert.Equal(5, r.Entries.Count);
        // "Explain": identical features, nothing to report.
        Assert.Empty(r.Entries[0].Gained);
        Assert.Empty(r.Entries[0].Lost);
        Assert.Empty(r.Entries[0].Changed);
        // " photosynthesis": lost 2, gained 5, 3 moved 2 → 2.5 (> 0.1).
        var photo = r.Entries[1];
        Assert.Equal([new FeatureValue(2, 1f)], photo.Lost);
        Assert.Equal([new FeatureValue(5, 0.5f)], photo.Gained);
        var change = Assert.Single(photo.Changed);
        Assert.Equal((3, 2f, 2.5f, 0.5f), (change.Feature, change.ValueA, change.ValueB, change.Delta));
        // Deleted " simply" carries its features as lost; inserted " rigorously" as gained.
        Assert.Equal((" simply", 2, (int?)null), (r.Entries[2].Token, r.Entries[2].IndexA, r.Entries[2].IndexB));
        Assert.Equal([new FeatureValue(4, 1f)], r.Entries[2].Lost);
        Assert.Equal([new FeatureValue(6, 2f)], r.Entries[3].Gained);
        Assert.Empty(r.Entries[4].Gained);
    }

    [Fact]
    public void Threshold_hides_small_changes()
    {
        var a = Prompt("a", (1, "x", null, [(0, 1.00f)]));
        var b = Prompt("b", (1, "x", null, [(0, 1.05f)]));
        Assert.Empty(PromptDiff.Compare(a, b, 0.1).Entries[0].Changed);
        Assert.Single(PromptDiff.Compare(a, b, 0.01).Entries[0].Changed);
        Assert.Single(PromptDiff.Compare(a, b).Entries[0].Changed);
    }

    [Fact]
    public void Tokens_align_only_within_equal_segments()
    {
        // Token 7 ("the") occurs in A's user text and in B's template; they must not pair even though the ids match.
        var a = Prompt("a", (1, "<sys>", "template", []), (7, " the", "user", [(0, 1f)]), (2, "<eot>", "template", []));
        var b = Prompt("b", (1, "<sys>", "template", []), (7, " the", "template", []), (2, "<eot>", "template", []));
        Assert.Equal(
            [(TokenDiffKind.Aligned, 0, 0), (TokenDiffKind.Deleted, 1, -1), (TokenDiffKind.Inserted, -1, 1), (TokenDiffKind.Aligned, 2, 2)],
            PromptDiff.Align(a, b));
        // Without segment labels the same ids align.
        var a2 = a with { Segments = null };
        var b2 = b with { Segments = null };
        Assert.Equal(3, PromptDiff.Compare(a2, b2).AlignedCount);
    }

    [Fact]
    public void Longest_alignment_and_deterministic_tie_break()
    {
        // A = 1 2 3 4 1, B = 3 4 1 2: LCS 3 4 1 (length 3). The common prefix/suffix is empty, so this is the table path.
        var a = Prompt("a", (1, "a", null, []), (2, "b", null, []), (3, "c", null, []), (4, "d", null, []), (1, "a", null, []));
        var b = Prompt("b", (3, "c", null, []), (4, "d", null, []), (1, "a", null, []), (2, "b", null, []));
        var steps = PromptDiff.Align(a, b);
        Assert.Equal(3, steps.Count(s => s.Kind == TokenDiffKind.Aligned));
        Assert.Equal(
            [(TokenDiffKind.Deleted, 0, -1), (TokenDiffKind.Deleted, 1, -1), (TokenDiffKind.Aligned, 2, 0), (TokenDiffKind.Aligned, 3, 1), (TokenDiffKind.Aligned, 4, 2), (TokenDiffKind.Inserted, -1, 3)],
            steps);
        // X Y vs Y X: two equally long alignments; the rule (delete before insert) picks matching Y.
        var x = Prompt("x", (5, "X", null, []), (6, "Y", null, []));
        var y = Prompt("y", (6, "Y", null, []), (5, "X", null, []));
        Assert.Equal([(TokenDiffKind.Deleted, 0, -1), (TokenDiffKind.Aligned, 1, 0), (TokenDiffKind.Inserted, -1, 1)], PromptDiff.Align(x, y));
        Assert.Equal(PromptDiff.Align(x, y), PromptDiff.Align(x, y));
    }

    [Fact]
    public void Mismatched_inputs_are_refused()
    {
        var a = Prompt("a", (1, "a", null, []));
        var bad = a with { Tokens = [] };
        Assert.Throws<ArgumentException>(() => PromptDiff.Compare(bad, a));
    }
}
