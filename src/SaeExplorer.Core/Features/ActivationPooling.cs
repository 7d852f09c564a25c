namespace SaeExplorer.Core.Features;

/// <summary>
/// The same pooling as <see cref="FeaturePooling"/>, on a prompt's raw residual stream (row-major [T × d_model]), so the
/// raw-activation and SAE-feature views of a prompt describe the same tokens.
/// </summary>
public static class ActivationPooling
{
    public static float[] Pool(ReadOnlySpan<float> rows, int tokenCount, int dModel, PoolingMethod method, IReadOnlyList<int>? userTokenPositions = null)
    {
        if (tokenCount <= 0 || rows.Length != (long)tokenCount * dModel)
            throw new ArgumentException($"expected {tokenCount} × {dModel} activations, got {rows.Length} values", nameof(rows));
        switch (method)
        {
            case PoolingMethod.Last:
                return rows.Slice((tokenCount - 1) * dModel, dModel).ToArray();
            case PoolingMethod.Mean:
            {
                var sums = new double[dModel];
                for (int t = 0; t < tokenCount; t++)
                {
                    var row = rows.Slice(t * dModel, dModel);
                    for (int d = 0; d < dModel; d++)
                        sums[d] += row[d];
                }
                return sums.Select(s => (float)(s / tokenCount)).ToArray();
            }
            case PoolingMethod.Max:
                return Max(rows, dModel, Enumerable.Range(0, tokenCount).ToArray());
            case PoolingMethod.User:
                if (userTokenPositions is null || userTokenPositions.Count == 0)
                    throw new ArgumentException("User pooling needs the token positions of the user message(s); none were given.", nameof(userTokenPositions));
                if (userTokenPositions.Any(p => p < 0 || p >= tokenCount))
                    throw new ArgumentOutOfRangeException(nameof(userTokenPositions), "a user token position is outside the prompt");
                return Max(rows, dModel, userTokenPositions);
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "unknown pooling method.");
        }
    }

    /// <summary>
    /// The order in which a prompt's pooled vectors are stored (the feature store keeps them as one blob per prompt): an
    /// on-disk contract, written out rather than taken from the enum's declaration order, so reordering or extending
    /// <see cref="PoolingMethod"/> cannot silently swap stored vectors.
    /// </summary>
    public static readonly IReadOnlyList<PoolingMethod> StoredOrder = [PoolingMethod.Last, PoolingMethod.Mean, PoolingMethod.Max, PoolingMethod.User];

    /// <summary>All four poolings at once, in <see cref="StoredOrder"/>; the user pooling is empty for a prompt without user tokens.</summary>
    public static float[][] PoolAll(ReadOnlySpan<float> rows, int tokenCount, int dModel, IReadOnlyList<int> userTokenPositions)
    {
        var result = new float[StoredOrder.Count][];
        for (int slot = 0; slot < StoredOrder.Count; slot++)
        {
            var method = StoredOrder[slot];
            result[slot] = method == PoolingMethod.User && userTokenPositions.Count == 0
                ? []
                : Pool(rows, tokenCount, dModel, method, userTokenPositions);
        }
        return result;
    }

    /// <summary>One pooling's vector out of vectors stored in <see cref="StoredOrder"/>.</summary>
    public static float[] Stored(float[][] stored, PoolingMethod method)
    {
        for (int slot = 0; slot < StoredOrder.Count; slot++)
        {
            if (StoredOrder[slot] == method)
                return stored[slot];
        }
        throw new ArgumentOutOfRangeException(nameof(method), method, "not a stored pooling.");
    }

    private static float[] Max(ReadOnlySpan<float> rows, int dModel, IReadOnlyList<int> tokens)
    {
        var max = new float[dModel];
        Array.Fill(max, float.NegativeInfinity);
        foreach (var t in tokens)
        {
            var row = rows.Slice(t * dModel, dModel);
            for (int d = 0; d < dModel; d++)
                max[d] = Math.Max(max[d], row[d]);
        }
        return max;
    }
}
