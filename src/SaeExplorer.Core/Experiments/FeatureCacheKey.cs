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
    public static string Compute(string modelFingerprint, string saeFingerprint, int layer, string dtype, string chatFormat, ReadOnlySpan<int> tokenIds)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in new[] { "saex.features.v1", modelFingerprint, saeFingerprint, layer.ToString(System.Globalization.CultureInfo.InvariantCulture), dtype, chatFormat })
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
        Span<byte> id = stackalloc byte[4];
        foreach (var token in tokenIds)
        {
            BinaryPrimitives.WriteInt32LittleEndian(id, token);
            hash.AppendData(id);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
