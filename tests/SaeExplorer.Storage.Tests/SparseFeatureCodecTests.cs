using SaeExplorer.Core.Features;
using SaeExplorer.Storage.Testing;
using Xunit.Abstractions;

namespace SaeExplorer.Storage.Tests;

public sealed class SparseFeatureCodecTests(ITestOutputHelper output)
{
    private const float HalfRelativeError = 1f / 2048;

    [Fact]
    public void Realistic_prompt_round_trips_with_exact_indices_and_half_precision_values()
    {
        var matrix = SyntheticPrompts.RandomMatrix(new Random(7), tokens: 80, activePerToken: 120, featureCount: 65_536);

        var blob = SparseFeatureCodec.Encode(matrix);
        var decoded = SparseFeatureCodec.Decode(blob);

        Assert.Equal(FeatureValueEncoding.Half, SparseFeatureCodec.ReadInfo(blob).ValueEncoding);
        Assert.Equal(80, decoded.TokenCount);
        Assert.Equal(65_536, decoded.FeatureCount);
        Assert.Equal(matrix.RowStarts, decoded.RowStarts);
        Assert.Equal(matrix.Indices, decoded.Indices);
        int rounded = 0;
        for (int k = 0; k < matrix.Values.Length; k++)
        {
            float expected = matrix.Values[k];
            Assert.True(MathF.Abs(decoded.Values[k] - expected) <= MathF.Abs(expected) * HalfRelativeError,
                $"value {k}: {decoded.Values[k]} vs {expected}");
            if (decoded.Values[k] != expected)
                rounded++;
        }
        // The half path really ran: log-normal float32 values almost never fit 11 significant bits.
        Assert.True(rounded > matrix.Values.Length * 9 / 10, $"only {rounded} of {matrix.Values.Length} values were rounded");

        double bytesPerActive = (double)blob.Length / matrix.NonZeroCount;
        output.WriteLine($"80 tokens × 120 active of 65,536: {blob.Length} bytes, {bytesPerActive:F3} bytes per active latent");
        // 2 bytes of value + a 1–2 byte gap varint (mean gap ~546) per active latent, vs 8 bytes as int + float.
        Assert.InRange(bytesPerActive, 3.5, 4.0);
    }

    [Fact]
    public void Large_value_switches_the_whole_blob_to_exact_float32()
    {
        var matrix = SyntheticPrompts.RandomMatrix(new Random(8), tokens: 5, activePerToken: 10, featureCount: 1000);
        matrix.Values[13] = 70_000f;
        matrix.Values[0] = 0.123456789f;

        var blob = SparseFeatureCodec.Encode(matrix);
        var decoded = SparseFeatureCodec.Decode(blob);

        Assert.Equal(FeatureValueEncoding.Single, SparseFeatureCodec.ReadInfo(blob).ValueEncoding);
        Assert.Equal(matrix.Indices, decoded.Indices);
        Assert.Equal(matrix.Values.Select(BitConverter.SingleToInt32Bits), decoded.Values.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1e6f)]
    [InlineData(65504.5f)]
    [InlineData(1e-6f)]
    [InlineData(-3e-5f)]
    public void Values_half_cannot_hold_within_2e11_go_float32_bit_exact(float odd)
    {
        var matrix = new SparseFeatureMatrix(1, 10, [0, 3], [1, 4, 9], [0.5f, odd, 2f]);

        var blob = SparseFeatureCodec.Encode(matrix);
        var decoded = SparseFeatureCodec.Decode(blob);

        Assert.Equal(FeatureValueEncoding.Single, SparseFeatureCodec.ReadInfo(blob).ValueEncoding);
        Assert.Equal(BitConverter.SingleToInt32Bits(odd), BitConverter.SingleToInt32Bits(decoded.Values[1]));
    }

    [Theory]
    [InlineData(65504f)]
    [InlineData(-65504f)]
    [InlineData(6.1035156e-5f)]
    [InlineData(0f)]
    public void Values_at_the_edges_of_the_half_range_stay_half(float edge)
    {
        var matrix = new SparseFeatureMatrix(1, 10, [0, 2], [2, 3], [edge, 1.5f]);

        var blob = SparseFeatureCodec.Encode(matrix);

        Assert.Equal(FeatureValueEncoding.Half, SparseFeatureCodec.ReadInfo(blob).ValueEncoding);
        Assert.Equal(edge, SparseFeatureCodec.Decode(blob).Values[0]);
    }

    [Fact]
    public void Tokens_without_active_latents_keep_their_empty_rows()
    {
        // Tokens 0, 2 and 4 have nothing active (first, middle, last); indices at both ends of the range.
        var matrix = new SparseFeatureMatrix(5, 65_536, [0, 0, 3, 3, 4, 4], [0, 17, 65_535, 40_000], [1f, 2f, 3f, 4f]);

        var decoded = SparseFeatureCodec.Decode(SparseFeatureCodec.Encode(matrix));

        Assert.Equal([0, 0, 3, 3, 4, 4], decoded.RowStarts);
        Assert.Equal([0, 17, 65_535, 40_000], decoded.Indices);
        Assert.Equal([1f, 2f, 3f, 4f], decoded.Values);
        Assert.Equal(0, decoded.ActiveCount(4));
    }

    [Theory]
    [InlineData(0, 65_536)]
    [InlineData(3, 131_072)]
    [InlineData(0, 0)]
    public void Matrices_with_nothing_active_keep_their_shape(int tokens, int features)
    {
        var matrix = new SparseFeatureMatrix(tokens, features, new int[tokens + 1], [], []);

        var decoded = SparseFeatureCodec.Decode(SparseFeatureCodec.Encode(matrix));

        Assert.Equal(tokens, decoded.TokenCount);
        Assert.Equal(features, decoded.FeatureCount);
        Assert.Equal(new int[tokens + 1], decoded.RowStarts);
        Assert.Empty(decoded.Indices);
    }

    [Fact]
    public void Wide_gaps_need_multi_byte_varints_and_stay_exact()
    {
        int features = 1 << 24;
        var matrix = new SparseFeatureMatrix(2, features, [0, 3, 5], [127, 128 + 16_384, features - 1, 5, 2_097_152 + 5], [1f, 2f, 3f, 4f, 5f]);

        var decoded = SparseFeatureCodec.Decode(SparseFeatureCodec.Encode(matrix));

        Assert.Equal(features, decoded.FeatureCount);
        Assert.Equal(matrix.Indices, decoded.Indices);
    }

    [Theory]
    [InlineData(new[] { 0, 2 }, new[] { 5, 3 })] // not ascending
    [InlineData(new[] { 0, 2 }, new[] { 3, 3 })] // repeated
    [InlineData(new[] { 0, 2 }, new[] { 3, 10 })] // index == FeatureCount
    [InlineData(new[] { 0, 1 }, new[] { 3, 4 })] // RowStarts end before the indices do
    [InlineData(new[] { 1, 2 }, new[] { 3, 4 })] // RowStarts[0] != 0
    public void Encode_rejects_malformed_matrices(int[] rowStarts, int[] indices)
    {
        var matrix = new SparseFeatureMatrix(1, 10, rowStarts, indices, new float[indices.Length]);

        Assert.Throws<ArgumentException>(() => SparseFeatureCodec.Encode(matrix));
    }

    [Fact]
    public void Any_flipped_byte_is_detected()
    {
        var matrix = SyntheticPrompts.RandomMatrix(new Random(9), tokens: 4, activePerToken: 8, featureCount: 4096);
        var blob = SparseFeatureCodec.Encode(matrix);

        for (int i = 0; i < blob.Length; i++)
        {
            var damaged = (byte[])blob.Clone();
            damaged[i] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => SparseFeatureCodec.Decode(damaged));
        }
    }

    [Fact]
    public void Truncated_or_foreign_or_future_blobs_are_refused()
    {
        var blob = SparseFeatureCodec.Encode(new SparseFeatureMatrix(1, 10, [0, 1], [3], [1f]));

        Assert.Throws<InvalidDataException>(() => SparseFeatureCodec.Decode(blob.AsSpan(0, blob.Length - 1)));
        Assert.Throws<InvalidDataException>(() => SparseFeatureCodec.Decode("not a blob at all"u8));
        var future = (byte[])blob.Clone();
        future[4] = 2;
        var ex = Assert.Throws<InvalidDataException>(() => SparseFeatureCodec.Decode(future));
        Assert.Contains("version 2", ex.Message);
    }
}
