using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class PooledPairTests
{
    private static SparseVector V(params (int Feature, float Value)[] active) =>
        new(10, active.Select(a => a.Feature).ToArray(), active.Select(a => a.Value).ToArray());

    [Fact]
    public void Latents_split_into_one_sided_and_shared_with_the_strongest_and_largest_changes_first()
    {
        var a = V((1, 2f), (3, 1f), (4, 5f), (7, 0.5f));
        var b = V((0, 3f), (3, 4f), (4, 4.5f), (9, 1f));

        var r = PooledPair.Compare(a, b, top: 5);

        Assert.Equal((4, 4, 2), (r.ActiveA, r.ActiveB, r.Both));
        Assert.Equal(2.0 / 6, r.Jaccard);
        Assert.Equal([new OneSided(1, 2f), new OneSided(7, 0.5f)], r.OnlyA);
        Assert.Equal([new OneSided(0, 3f), new OneSided(9, 1f)], r.OnlyB);
        // 3 goes 1 → 4 (+3), 4 goes 5 → 4.5 (−0.5): the larger change first.
        Assert.Equal([new TwoSided(3, 1f, 4f), new TwoSided(4, 5f, 4.5f)], r.Changed);
        Assert.Equal(3f, r.Changed[0].Change);
    }

    [Fact]
    public void Top_cuts_each_list_and_identical_prompts_share_everything()
    {
        var a = V((1, 2f), (2, 3f), (5, 1f));
        var r = PooledPair.Compare(a, V(), top: 2);
        Assert.Equal([2, 1], r.OnlyA.Select(f => f.Feature));
        Assert.Equal(0, r.Jaccard);

        var same = PooledPair.Compare(a, a);
        Assert.Equal((3, 0, 0), (same.Both, same.OnlyA.Count, same.OnlyB.Count));
        Assert.Equal(1, same.Jaccard);
        Assert.All(same.Changed, c => Assert.Equal(0f, c.Change));
    }

    [Fact]
    public void Vectors_of_different_saes_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => PooledPair.Compare(V((1, 1f)), new SparseVector(20, [1], [1f])));
        Assert.Contains("10 and 20 latents", e.Message);
    }
}
