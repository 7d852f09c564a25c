namespace SaeExplorer.Core.Features;

/// <summary>Turns one prompt's per-token SAE features into one vector per prompt (see <see cref="PoolingMethod"/>).</summary>
public static class FeaturePooling
{
    /// <summary>
    /// Pools <paramref name="m"/> by <paramref name="method"/>. Every method has the meaning it would have on the dense
    /// [T × d_sae] matrix, where an inactive latent is 0: Mean divides by all T tokens, and Max/User include that 0 for
    /// a latent inactive on some pooled token. The result has ascending indices and no zeros.
    /// </summary>
    /// <param name="userTokenPositions">
    /// Token positions of the user's message(s); required by <see cref="PoolingMethod.User"/>, ignored by the others so a
    /// pipeline can always pass them.
    /// </param>
    public static SparseVector Pool(SparseFeatureMatrix m, PoolingMethod method, IReadOnlyList<int>? userTokenPositions = null)
    {
        if (m.TokenCount <= 0)
            throw new ArgumentException("cannot pool a prompt with no tokens.", nameof(m));
        var tokens = PooledTokens(method, m.TokenCount, userTokenPositions);
        return method switch
        {
            PoolingMethod.Last => new SparseVector(m.FeatureCount, m.RowIndices(tokens[0]).ToArray(), m.RowValues(tokens[0]).ToArray()),
            PoolingMethod.Mean => Mean(m),
            _ => Max(m, tokens),
        };
    }

    /// <summary>
    /// The token positions <paramref name="method"/> reads out of <paramref name="tokenCount"/>: the last one for
    /// <see cref="PoolingMethod.Last"/>, the user's message for <see cref="PoolingMethod.User"/>, every token otherwise.
    /// What a count "over the pooled tokens" counts, so a page's numbers match the pooled vector.
    /// </summary>
    /// <param name="userTokenPositions">As for <see cref="Pool"/>: required by <see cref="PoolingMethod.User"/>, ignored by the others.</param>
    public static IReadOnlyList<int> PooledTokens(PoolingMethod method, int tokenCount, IReadOnlyList<int>? userTokenPositions = null)
    {
        if (tokenCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(tokenCount), tokenCount, "cannot pool a prompt with no tokens.");
        switch (method)
        {
            case PoolingMethod.Last:
                return [tokenCount - 1];
            case PoolingMethod.Mean:
            case PoolingMethod.Max:
                return Enumerable.Range(0, tokenCount).ToArray();
            case PoolingMethod.User:
                if (userTokenPositions is null || userTokenPositions.Count == 0)
                    throw new ArgumentException("User pooling needs the token positions of the user message(s); none were given.", nameof(userTokenPositions));
                foreach (var p in userTokenPositions)
                {
                    if (p < 0 || p >= tokenCount)
                        throw new ArgumentOutOfRangeException(nameof(userTokenPositions), p, $"user token position {p} is outside the prompt's {tokenCount} tokens.");
                }
                return userTokenPositions;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "unknown pooling method.");
        }
    }

    private static SparseVector Mean(SparseFeatureMatrix m)
    {
        // Summed in double: a 65,536-latent SAE over hundreds of tokens would otherwise lose low bits in float.
        var sums = new Dictionary<int, double>();
        for (int t = 0; t < m.TokenCount; t++)
        {
            var indices = m.RowIndices(t);
            var values = m.RowValues(t);
            for (int k = 0; k < indices.Length; k++)
                sums[indices[k]] = sums.GetValueOrDefault(indices[k]) + values[k];
        }
        return ToVector(m.FeatureCount, sums.Select(kv => (kv.Key, (float)(kv.Value / m.TokenCount))));
    }

    private static SparseVector Max(SparseFeatureMatrix m, IReadOnlyList<int> tokens)
    {
        var max = new Dictionary<int, (float Value, int ActiveTokens)>();
        foreach (int t in tokens)
        {
            var indices = m.RowIndices(t);
            var values = m.RowValues(t);
            for (int k = 0; k < indices.Length; k++)
            {
                max[indices[k]] = max.TryGetValue(indices[k], out var seen)
                    ? (Math.Max(seen.Value, values[k]), seen.ActiveTokens + 1)
                    : (values[k], 1);
            }
        }
        // A latent inactive on some pooled token is 0 there, so a negative value (possible for non-ReLU SAEs) can only
        // be the maximum when the latent is active on every pooled token.
        return ToVector(m.FeatureCount, max.Select(kv =>
            (kv.Key, kv.Value.ActiveTokens < tokens.Count ? Math.Max(kv.Value.Value, 0f) : kv.Value.Value)));
    }

    private static SparseVector ToVector(int featureCount, IEnumerable<(int Index, float Value)> entries)
    {
        var kept = entries.Where(e => e.Value != 0f).OrderBy(e => e.Index).ToArray();
        return new SparseVector(featureCount, kept.Select(e => e.Index).ToArray(), kept.Select(e => e.Value).ToArray());
    }
}
