using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SaeExplorer.Core.Experiments;

/// <summary>
/// The identity of one prompt's cached result: everything that changes its numbers. A different model or SAE file
/// (by content fingerprint, not path), layer, compute dtype, chat format, batch size or token sequence gives a different
/// key, so a stale result is never reused. The batch size is there because a prompt's batch companions change the
/// rounding of the packed matrix products in the last bits: a store filled at one batch size is not reused at another.
/// </summary>
public static class FeatureCacheKey
{
    /// <summary>
    /// Lowercase hex SHA-256 over: str("saex.cache-key.v3"), str(model fingerprint), str(SAE fingerprint), layer,
    /// str(dtype), str(chat format), batch size, token count, token ids — each string as its UTF-8 bytes behind an int32
    /// byte count and every int as little-endian int32, so no two different inputs serialize alike. Without a batch size
    /// it is the v2 key (str("saex.cache-key.v2") and no batch size), which runs recorded before the batch size was kept
    /// were stored under. Other tools can recompute it from this description; changing it orphans every existing cache.
    /// </summary>
    public static string Compute(string modelFingerprint, string saeFingerprint, int layer, string dtype, string chatFormat, int? batchSize, ReadOnlySpan<int> tokenIds)
    {
        ArgumentNullException.ThrowIfNull(modelFingerprint);
        ArgumentNullException.ThrowIfNull(saeFingerprint);
        ArgumentNullException.ThrowIfNull(dtype);
        ArgumentNullException.ThrowIfNull(chatFormat);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (batchSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "a batch size is at least 1");
        AppendString(hash, batchSize is null ? "saex.cache-key.v2" : "saex.cache-key.v3");
        AppendString(hash, modelFingerprint);
        AppendString(hash, saeFingerprint);
        AppendInt(hash, layer);
        AppendString(hash, dtype);
        AppendString(hash, chatFormat);
        if (batchSize is { } size)
            AppendInt(hash, size);
        AppendInt(hash, tokenIds.Length);
        var bytes = new byte[tokenIds.Length * 4];
        for (int i = 0; i < tokenIds.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), tokenIds[i]);
        hash.AppendData(bytes);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendString(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        AppendInt(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AppendInt(IncrementalHash hash, int value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
        hash.AppendData(buffer);
    }
}
