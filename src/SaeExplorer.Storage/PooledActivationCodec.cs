using System.Buffers.Binary;

namespace SaeExplorer.Storage;

/// <summary>
/// Binary form of a prompt's pooled residual-stream vectors (one [d_model] vector per pooling method). Stored as
/// IEEE half precision when every value is finite and within ±65504 — for a dense vector the absolute error near
/// zero (half's subnormals reach 6e-8) matters, not the relative one — else as float32. For Llama-3.3-70B
/// (d_model 8192) the four vectors cost 64 KB a prompt. Layout: "SXPA", version, vector count (int32), then per
/// vector: encoding byte (0 half, 1 single), length (int32), values little-endian.
/// </summary>
public static class PooledActivationCodec
{
    private static ReadOnlySpan<byte> Magic => "SXPA"u8;
    private const byte Version = 1;

    public static byte[] Encode(float[][] vectors)
    {
        var output = new MemoryStream();
        output.Write(Magic);
        output.WriteByte(Version);
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(four, vectors.Length);
        output.Write(four);
        foreach (var v in vectors)
        {
            bool half = v.All(x => float.IsFinite(x) && MathF.Abs(x) <= (float)Half.MaxValue);
            output.WriteByte(half ? (byte)0 : (byte)1);
            BinaryPrimitives.WriteInt32LittleEndian(four, v.Length);
            output.Write(four);
            foreach (var x in v)
            {
                if (half)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(four, (Half)x);
                    output.Write(four[..2]);
                }
                else
                {
                    BinaryPrimitives.WriteSingleLittleEndian(four, x);
                    output.Write(four);
                }
            }
        }
        return output.ToArray();
    }

    public static float[][] Decode(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 9 || !blob[..4].SequenceEqual(Magic) || blob[4] != Version)
            throw new InvalidDataException("not a pooled-activation blob of a known version");
        int count = BinaryPrimitives.ReadInt32LittleEndian(blob[5..]);
        int pos = 9;
        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            if (pos + 5 > blob.Length)
                throw new InvalidDataException("pooled-activation blob is truncated");
            bool half = blob[pos] == 0;
            int length = BinaryPrimitives.ReadInt32LittleEndian(blob[(pos + 1)..]);
            pos += 5;
            int width = half ? 2 : 4;
            if (length < 0 || pos + (long)length * width > blob.Length)
                throw new InvalidDataException("pooled-activation blob is truncated");
            var v = new float[length];
            for (int k = 0; k < length; k++, pos += width)
                v[k] = half ? (float)BinaryPrimitives.ReadHalfLittleEndian(blob[pos..]) : BinaryPrimitives.ReadSingleLittleEndian(blob[pos..]);
            result[i] = v;
        }
        return result;
    }
}
