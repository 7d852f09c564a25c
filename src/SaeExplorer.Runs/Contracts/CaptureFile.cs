namespace SaeExplorer.Runs.Contracts;

/// <summary>
/// The names in a <c>saex capture</c> safetensors file (format <c>saex.capture.v1</c>), which other tools read:
/// <c>{id}.resid_post.{l}</c> float32 [T, d_model] and <c>{id}.input_ids</c> int64 [T]. Changing one is a new format
/// version.
/// </summary>
public static class CaptureFile
{
    public const string Format = "saex.capture.v1";
    private const string ResidPostInfix = ".resid_post.";

    public static string ResidPost(string promptId, int layer) => $"{promptId}{ResidPostInfix}{layer}";

    public static string InputIds(string promptId) => $"{promptId}.input_ids";

    /// <summary>The layer a tensor name holds, when it is a resid_post tensor.</summary>
    public static int? LayerOf(string tensorName)
    {
        int at = tensorName.LastIndexOf(ResidPostInfix, StringComparison.Ordinal);
        return at >= 0 && int.TryParse(tensorName.AsSpan(at + ResidPostInfix.Length), out int layer) ? layer : null;
    }
}

/// <summary>
/// The names in a <c>saex encode</c> file: dense <c>{id}.features</c> float32 [T, d_sae], or CSR per prompt —
/// <c>{id}.features.row_starts</c> int64 [T+1], <c>{id}.features.indices</c> int32 [nnz] ascending within a token,
/// <c>{id}.features.values</c> float32 [nnz] — with <c>d_sae</c> in the metadata; in Python
/// <c>torch.sparse_csr_tensor(row_starts, indices, values, (T, d_sae))</c>.
/// </summary>
public static class FeatureFile
{
    public static string Dense(string promptId) => $"{promptId}.features";

    public static string RowStarts(string promptId) => $"{promptId}.features.row_starts";

    public static string Indices(string promptId) => $"{promptId}.features.indices";

    public static string Values(string promptId) => $"{promptId}.features.values";
}
