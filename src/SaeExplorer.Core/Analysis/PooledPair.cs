using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Analysis;

/// <summary>A latent active in one prompt of a pair and not in the other, with its pooled value there.</summary>
public sealed record OneSided(int Feature, float Value);

/// <summary>A latent active in both prompts of a pair, with both pooled values.</summary>
public sealed record TwoSided(int Feature, float A, float B)
{
    public float Change => B - A;
}

/// <summary>
/// Two prompts' pooled features side by side: how many are active in each, in both, and the strongest of those active on
/// one side only and of those whose value changes most between the two.
/// </summary>
public sealed record PooledPairResult(int ActiveA, int ActiveB, int Both, IReadOnlyList<OneSided> OnlyA, IReadOnlyList<OneSided> OnlyB,
    IReadOnlyList<TwoSided> Changed)
{
    /// <summary>Shared over active in either: 1 when the two prompts light up the same latents.</summary>
    public double Jaccard => ActiveA + ActiveB - Both == 0 ? 1 : (double)Both / (ActiveA + ActiveB - Both);
}

public static class PooledPair
{
    /// <summary>
    /// Compares <paramref name="a"/> with <paramref name="b"/> (same SAE): the <paramref name="top"/> strongest latents of
    /// each side's own, and the <paramref name="top"/> shared ones with the largest |B − A| (ties: lower index).
    /// </summary>
    public static PooledPairResult Compare(SparseVector a, SparseVector b, int top = 15)
    {
        if (a.FeatureCount != b.FeatureCount)
            throw new ArgumentException($"the prompts were encoded by different SAEs ({a.FeatureCount} and {b.FeatureCount} latents).", nameof(b));
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var onlyA = new List<OneSided>();
        var onlyB = new List<OneSided>();
        var both = new List<TwoSided>();
        int i = 0, j = 0;
        while (i < a.Indices.Length || j < b.Indices.Length)
        {
            if (j == b.Indices.Length || (i < a.Indices.Length && a.Indices[i] < b.Indices[j]))
            {
                onlyA.Add(new OneSided(a.Indices[i], a.Values[i]));
                i++;
            }
            else if (i == a.Indices.Length || b.Indices[j] < a.Indices[i])
            {
                onlyB.Add(new OneSided(b.Indices[j], b.Values[j]));
                j++;
            }
            else
            {
                both.Add(new TwoSided(a.Indices[i], a.Values[i], b.Values[j]));
                i++;
                j++;
            }
        }
        static IReadOnlyList<OneSided> Strongest(List<OneSided> side, int top) =>
            side.OrderByDescending(f => f.Value).ThenBy(f => f.Feature).Take(top).ToArray();
        return new PooledPairResult(a.Indices.Length, b.Indices.Length, both.Count, Strongest(onlyA, top), Strongest(onlyB, top),
            both.OrderByDescending(f => Math.Abs(f.Change)).ThenBy(f => f.Feature).Take(top).ToArray());
    }
}
