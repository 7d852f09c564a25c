namespace SaeExplorer.Core.Features;

/// <summary>
/// SAE feature activations of one prompt, sparse per token (CSR): token <c>t</c>'s active latents are
/// <c>Indices[RowStarts[t]..RowStarts[t+1]]</c> (ascending) with the matching <c>Values</c> (all &gt; 0 for ReLU-family
/// SAEs; zeros are never stored). A Goodfire 65,536-latent SAE leaves ~120 active per token, so this is ~500× smaller
/// than the dense [T, d_sae] matrix.
/// </summary>
public sealed record SparseFeatureMatrix(int TokenCount, int FeatureCount, int[] RowStarts, int[] Indices, float[] Values)
{
    public int ActiveCount(int token) => RowStarts[token + 1] - RowStarts[token];

    public ReadOnlySpan<int> RowIndices(int token) => Indices.AsSpan(RowStarts[token], ActiveCount(token));

    public ReadOnlySpan<float> RowValues(int token) => Values.AsSpan(RowStarts[token], ActiveCount(token));

    public int NonZeroCount => Indices.Length;

    /// <summary>Builds the sparse form of a dense row-major [tokens × features] array, keeping values != 0.</summary>
    public static SparseFeatureMatrix FromDense(ReadOnlySpan<float> dense, int tokenCount, int featureCount)
    {
        if (dense.Length != (long)tokenCount * featureCount)
            throw new ArgumentException($"dense has {dense.Length} values, expected {tokenCount} × {featureCount}", nameof(dense));
        var starts = new int[tokenCount + 1];
        var indices = new List<int>();
        var values = new List<float>();
        for (int t = 0; t < tokenCount; t++)
        {
            var row = dense.Slice(t * featureCount, featureCount);
            for (int f = 0; f < featureCount; f++)
            {
                if (row[f] != 0f)
                {
                    indices.Add(f);
                    values.Add(row[f]);
                }
            }
            starts[t + 1] = indices.Count;
        }
        return new SparseFeatureMatrix(tokenCount, featureCount, starts, [.. indices], [.. values]);
    }

    /// <summary>The dense row-major [tokens × features] array (for small SAEs, exports and tests).</summary>
    public float[] ToDense()
    {
        var dense = new float[(long)TokenCount * FeatureCount];
        for (int t = 0; t < TokenCount; t++)
        {
            for (int k = RowStarts[t]; k < RowStarts[t + 1]; k++)
                dense[(long)t * FeatureCount + Indices[k]] = Values[k];
        }
        return dense;
    }
}

/// <summary>A sparse feature vector (one per prompt after pooling): ascending latent indices and their values.</summary>
public sealed record SparseVector(int FeatureCount, int[] Indices, float[] Values)
{
    public int ActiveCount => Indices.Length;

    /// <summary>The value of <paramref name="feature"/>: 0 where it is not active (indices are ascending).</summary>
    public float ValueOf(int feature) => Array.BinarySearch(Indices, feature) is var k and >= 0 ? Values[k] : 0;
}
