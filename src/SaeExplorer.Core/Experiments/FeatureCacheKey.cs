using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SaeExplorer.Core.Experiments;

/// <summary>
/// The identity of one prompt's cached result: everything that changes its numbers. A different model or SAE file
/// (by content fingerprint, not path), layer, compute dtype, chat format or token sequence gives a different key, so
/// a stale result is never reused.
/// </summary>
public static class FeatureCacheKey
{
    /// <summary>
    /// Lowercase hex SHA-256 over: str("saex.cache-key.v2"), str(model fingerprint), str(SAE fingerprint), layer,
    /// str(dtype), str(chat format), token count, token ids — each string as its UTF-8 bytes behind an int32 byte
    /// count and every int as little-endian int32, so no two different inputs serialize alike. Other tools can
    /// recompute it from this description; changing it orphans every existing cache.
    /// </summary>
    public static string Compute(string modelFingerprint, string saeFingerprint, int layer, string dtype, string chatFormat, ReadOnlySpan<int> tokenIds)
    {
        ArgumentNullException.ThrowIfNull(modelFingerprint);
        ArgumentNullException.ThrowIfNull(saeFingerprint);
        ArgumentNullException.ThrowIfNull(dtype);
        ArgumentNullException.ThrowIfNull(chatFormat);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendString(hash, "saex.cache-key.v2");
        AppendString(hash, modelFingerprint);
        AppendString(hash, saeFingerprint);
        AppendInt(hash, layer);
        AppendString(hash, dtype);
        AppendString(hash, chatFormat);
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
