using System.Buffers.Binary;
using System.Numerics;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Storage;

/// <summary>How the values of an encoded <see cref="SparseFeatureMatrix"/> are stored.</summary>
public enum FeatureValueEncoding
{
    /// <summary>IEEE 754 binary16: relative error at most 2^-11 (≈ 4.9e-4) per value.</summary>
    Half,
    /// <summary>IEEE 754 binary32: bit-exact.</summary>
    Single,
}

/// <summary>What the fixed part of an encoded blob says, readable without decoding the body.</summary>
public sealed record SparseFeatureBlobInfo(int Version, FeatureValueEncoding ValueEncoding, int TokenCount, int FeatureCount, int NonZeroCount);

/// <summary>
/// Binary form of a <see cref="SparseFeatureMatrix"/>, one blob per prompt.
/// <para>
/// What is exact: the token count, the feature count, every row's active count and every latent index.
/// What is approximate: values are stored as half precision (relative error ≤ 2^-11 ≈ 4.9e-4) when every value is 0
/// or a finite normal half (2^-14 ≤ |v| ≤ 65504); otherwise all values of the blob are stored as float32, bit-exact.
/// Half's subnormal range is excluded because there the relative error grows without bound (values below 2^-25
/// would even become 0, i.e. a latent would silently turn inactive).
/// </para>
/// <para>
/// Layout (little-endian), version 1:
/// <c>"SXFM"</c>, version byte, flags byte (bit 0: float32 values), LEB128 varints token count, feature count,
/// non-zero count; one varint active count per token; per token its indices as varint gaps (first index, then
/// index − previous, so ≥ 1 because rows are strictly ascending); the values (2 or 4 bytes each); a CRC-32C of
/// everything before it. Random 120-of-65,536 rows have a mean gap of ~546, so an index costs ~1.8 bytes
/// instead of 4; the CRC lets a flipped byte in the database file surface as an error instead of wrong values.
/// </para>
/// </summary>
public static class SparseFeatureCodec
{
    public const int CurrentVersion = 1;

    private static ReadOnlySpan<byte> Magic => "SXFM"u8;
    private const byte SingleValuesFlag = 0x01;
    private const int FixedHeaderBytes = 6;
    private const int CrcBytes = 4;
    private const float SmallestNormalHalf = 6.1035156e-5f;
    private const float LargestHalf = 65504f;

    /// <summary>Encodes <paramref name="matrix"/>; throws <see cref="ArgumentException"/> when it is not well-formed CSR.</summary>
    public static byte[] Encode(SparseFeatureMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        Validate(matrix);
        var encoding = ChooseValueEncoding(matrix.Values);
        int nonZero = matrix.Indices.Length;
        int valueBytes = encoding == FeatureValueEncoding.Half ? 2 : 4;
        long capacity = FixedHeaderBytes + 3L * 5 + 5L * matrix.TokenCount + 5L * nonZero + (long)valueBytes * nonZero + CrcBytes;
        if (capacity > Array.MaxLength)
            throw new ArgumentException($"matrix with {nonZero} active values is too large for one blob", nameof(matrix));

        var buffer = new byte[capacity];
        var span = buffer.AsSpan();
        Magic.CopyTo(span);
        span[4] = CurrentVersion;
        span[5] = encoding == FeatureValueEncoding.Single ? SingleValuesFlag : (byte)0;
        int pos = FixedHeaderBytes;
        WriteVarint(span, ref pos, (uint)matrix.TokenCount);
        WriteVarint(span, ref pos, (uint)matrix.FeatureCount);
        WriteVarint(span, ref pos, (uint)nonZero);
        for (int t = 0; t < matrix.TokenCount; t++)
            WriteVarint(span, ref pos, (uint)matrix.ActiveCount(t));
        for (int t = 0; t < matrix.TokenCount; t++)
        {
            int previous = 0;
            foreach (int index in matrix.RowIndices(t))
            {
                WriteVarint(span, ref pos, (uint)(index - previous));
                previous = index;
            }
        }
        if (encoding == FeatureValueEncoding.Half)
        {
            foreach (float value in matrix.Values)
            {
                BinaryPrimitives.WriteHalfLittleEndian(span[pos..], (Half)value);
                pos += 2;
            }
        }
        else
        {
            foreach (float value in matrix.Values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[pos..], value);
                pos += 4;
            }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span[pos..], Crc32C(span[..pos]));
        pos += CrcBytes;
        return buffer.AsSpan(0, pos).ToArray();
    }

    /// <summary>Decodes a blob from <see cref="Encode"/>; throws <see cref="InvalidDataException"/> if it is damaged.</summary>
    public static SparseFeatureMatrix Decode(ReadOnlySpan<byte> blob)
    {
        var info = ReadInfoAndCheck(blob, out int pos);
        var body = blob[..^CrcBytes];
        int tokens = info.TokenCount;
        int nonZero = info.NonZeroCount;

        var rowStarts = new int[tokens + 1];
        for (int t = 0; t < tokens; t++)
        {
            uint count = ReadVarint(body, ref pos);
            long end = (long)rowStarts[t] + count;
            if (end > nonZero)
                throw new InvalidDataException($"row {t} ends at {end}, past the {nonZero} stored values");
            rowStarts[t + 1] = (int)end;
        }
        if (rowStarts[tokens] != nonZero)
            throw new InvalidDataException($"rows hold {rowStarts[tokens]} values, header says {nonZero}");

        int valueBytes = info.ValueEncoding == FeatureValueEncoding.Half ? 2 : 4;
        var indices = new int[nonZero];
        for (int t = 0; t < tokens; t++)
        {
            long previous = 0;
            for (int k = rowStarts[t]; k < rowStarts[t + 1]; k++)
            {
                uint gap = ReadVarint(body, ref pos);
                if (gap == 0 && k > rowStarts[t])
                    throw new InvalidDataException($"token {t}: latent indices are not strictly ascending");
                long index = previous + gap;
                if (index >= info.FeatureCount)
                    throw new InvalidDataException($"token {t}: latent index {index} is outside 0..{info.FeatureCount - 1}");
                indices[k] = (int)index;
                previous = index;
            }
        }
        if (body.Length - pos != (long)nonZero * valueBytes)
            throw new InvalidDataException($"expected {(long)nonZero * valueBytes} value bytes, found {body.Length - pos}");

        var values = new float[nonZero];
        var valueSpan = body[pos..];
        if (valueBytes == 2)
        {
            for (int k = 0; k < nonZero; k++)
                values[k] = (float)BinaryPrimitives.ReadHalfLittleEndian(valueSpan[(2 * k)..]);
        }
        else
        {
            for (int k = 0; k < nonZero; k++)
                values[k] = BinaryPrimitives.ReadSingleLittleEndian(valueSpan[(4 * k)..]);
        }
        return new SparseFeatureMatrix(tokens, info.FeatureCount, rowStarts, indices, values);
    }

    /// <summary>The header of a blob (after checking its CRC), without decoding rows or values.</summary>
    public static SparseFeatureBlobInfo ReadInfo(ReadOnlySpan<byte> blob) => ReadInfoAndCheck(blob, out _);

    /// <summary>Half when all values survive the conversion within 2^-11 relative error (or are 0), else float32.</summary>
    public static FeatureValueEncoding ChooseValueEncoding(ReadOnlySpan<float> values)
    {
        foreach (float value in values)
        {
            float magnitude = MathF.Abs(value);
            if (!(magnitude == 0f || (magnitude >= SmallestNormalHalf && magnitude <= LargestHalf)))
                return FeatureValueEncoding.Single;
        }
        return FeatureValueEncoding.Half;
    }

    private static SparseFeatureBlobInfo ReadInfoAndCheck(ReadOnlySpan<byte> blob, out int pos)
    {
        if (blob.Length < FixedHeaderBytes + 3 + CrcBytes || !blob[..4].SequenceEqual(Magic))
            throw new InvalidDataException("not a sparse feature blob (bad magic or too short)");
        int version = blob[4];
        if (version != CurrentVersion)
            throw new InvalidDataException($"sparse feature blob version {version} is not supported (this build reads {CurrentVersion})");
        byte flags = blob[5];
        if ((flags & ~SingleValuesFlag) != 0)
            throw new InvalidDataException($"unknown flags 0x{flags:x2} in sparse feature blob");
        var body = blob[..^CrcBytes];
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(blob[^CrcBytes..]);
        uint actualCrc = Crc32C(body);
        if (storedCrc != actualCrc)
            throw new InvalidDataException($"sparse feature blob checksum mismatch (stored {storedCrc:x8}, computed {actualCrc:x8})");

        pos = FixedHeaderBytes;
        uint tokens = ReadVarint(body, ref pos);
        uint features = ReadVarint(body, ref pos);
        uint nonZero = ReadVarint(body, ref pos);
        // Every row count and every index takes at least one byte: bounding by the blob size keeps a damaged header
        // from asking for a huge allocation.
        if (tokens > body.Length || nonZero > body.Length || features > int.MaxValue)
            throw new InvalidDataException($"header counts (tokens {tokens}, active {nonZero}, features {features}) do not fit a {blob.Length}-byte blob");
        var encoding = (flags & SingleValuesFlag) != 0 ? FeatureValueEncoding.Single : FeatureValueEncoding.Half;
        return new SparseFeatureBlobInfo(version, encoding, (int)tokens, (int)features, (int)nonZero);
    }

    private static void Validate(SparseFeatureMatrix m)
    {
        if (m.TokenCount < 0 || m.FeatureCount < 0)
            throw new ArgumentException($"negative shape [{m.TokenCount} × {m.FeatureCount}]");
        if (m.RowStarts is null || m.RowStarts.Length != m.TokenCount + 1 || m.RowStarts[0] != 0)
            throw new ArgumentException($"RowStarts must have TokenCount + 1 = {m.TokenCount + 1} entries starting at 0");
        if (m.Indices.Length != m.Values.Length || m.RowStarts[m.TokenCount] != m.Indices.Length)
            throw new ArgumentException($"RowStarts ends at {m.RowStarts[m.TokenCount]} but there are {m.Indices.Length} indices and {m.Values.Length} values");
        for (int t = 0; t < m.TokenCount; t++)
        {
            if (m.RowStarts[t + 1] < m.RowStarts[t])
                throw new ArgumentException($"RowStarts decreases at token {t}");
            int previous = -1;
            foreach (int index in m.RowIndices(t))
            {
                if (index <= previous || index >= m.FeatureCount)
                    throw new ArgumentException($"token {t}: latent index {index} is out of range 0..{m.FeatureCount - 1} or not strictly ascending");
                previous = index;
            }
        }
    }

    private static void WriteVarint(Span<byte> span, ref int pos, uint value)
    {
        while (value >= 0x80)
        {
            span[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[pos++] = (byte)value;
    }

    private static uint ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        uint result = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            if (pos >= span.Length)
                throw new InvalidDataException("sparse feature blob ends inside a varint");
            byte b = span[pos++];
            if (shift == 28 && b > 0x0F)
                throw new InvalidDataException("varint does not fit 32 bits");
            result |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw new InvalidDataException("varint does not fit 32 bits");
    }

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++)
            crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }
}
