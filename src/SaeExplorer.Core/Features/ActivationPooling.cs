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

    /// <summary>All four poolings at once, indexed by (int)<see cref="PoolingMethod"/>.</summary>
    public static float[][] PoolAll(ReadOnlySpan<float> rows, int tokenCount, int dModel, IReadOnlyList<int> userTokenPositions)
    {
        var result = new float[Enum.GetValues<PoolingMethod>().Length][];
        foreach (var method in Enum.GetValues<PoolingMethod>())
            result[(int)method] = method == PoolingMethod.User && userTokenPositions.Count == 0
                ? []
                : Pool(rows, tokenCount, dModel, method, userTokenPositions);
        return result;
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
