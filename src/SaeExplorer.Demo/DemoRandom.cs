namespace SaeExplorer.Demo;

/// <summary>
/// The demo model's random numbers: SplitMix64 for the bits and, for normal draws, the Irwin–Hall sum of twelve
/// uniforms minus six (mean 0, variance 1, tails cut at ±6). Only integer arithmetic and exact floating-point
/// operations are involved, so every machine, runtime and libtorch version produces the same bits; Box–Muller would
/// go through libm's <c>log</c> and <c>cos</c>, whose last bits differ between C libraries. Random weights need to
/// look Gaussian, not be exactly Gaussian.
/// </summary>
internal sealed class DemoRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits (SplitMix64, Steele, Lea &amp; Flood 2014).</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An approximately standard normal value, on a grid of 2⁻¹⁶.</summary>
    public double NextStandardNormal()
    {
        // Twelve 16-bit uniforms from three 64-bit draws; the sum of the integers is exact, and so is the scaling,
        // because 65536 is a power of two. (c + ½) / 65536 is uniform on (0, 1) with the exact mean ½.
        long sum = 0;
        for (int draw = 0; draw < 3; draw++)
        {
            ulong bits = NextUInt64();
            sum += (long)(bits & 0xFFFF) + (long)((bits >> 16) & 0xFFFF) + (long)((bits >> 32) & 0xFFFF) + (long)(bits >> 48);
        }
        return (sum + 6) / 65536.0 - 6.0;
    }

    /// <summary>Fills <paramref name="values"/> with N(0, <paramref name="std"/>²) draws, rounded to float32.</summary>
    public void FillNormal(Span<float> values, double std)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(NextStandardNormal() * std);
    }

    /// <summary>
    /// <paramref name="count"/> random unit vectors of dimension <paramref name="dimension"/>, row after row (the
    /// direction of an isotropic normal draw is uniform on the sphere).
    /// </summary>
    public float[] UnitVectors(int count, int dimension)
    {
        var result = new float[count * dimension];
        var row = new double[dimension];
        for (int i = 0; i < count; i++)
        {
            double squares = 0;
            for (int d = 0; d < dimension; d++)
            {
                row[d] = NextStandardNormal();
                squares += row[d] * row[d];
            }
            double norm = Math.Sqrt(squares);
            for (int d = 0; d < dimension; d++)
                result[i * dimension + d] = (float)(row[d] / norm);
        }
        return result;
    }
}
