using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SaeExplorer.Core.Umap;

/// <summary>
/// Blocks of dense pairwise results for 4 × 4 rows at a time with AVX-512: each loaded chunk of a row feeds four
/// accumulations, so a pass over the data costs a quarter of the memory traffic of one TensorPrimitives call per pair
/// (which is what limits a 10,000 × 8,192 all-pairs pass). Squared differences are accumulated directly for the
/// Euclidean metric rather than ‖x‖² + ‖y‖² − 2x·y, which cancels catastrophically for activations with a large common
/// offset; cosine needs only dot products.
/// </summary>
internal static class DenseDistanceKernel
{
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>result[a·4 + b] = Σ (x_a − y_b)² (squaredDifference) or Σ x_a·y_b, for four x rows and four y rows.</summary>
    public static void Tile(float[] x0, float[] x1, float[] x2, float[] x3, float[] y0, float[] y1, float[] y2, float[] y3,
        bool squaredDifference, Span<float> result)
    {
        if (squaredDifference)
            SquaredDifferenceTile(x0, x1, x2, x3, y0, y1, y2, y3, result);
        else
            DotTile(x0, x1, x2, x3, y0, y1, y2, y3, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile(float[] x0, float[] x1, float[] x2, float[] x3, float[] y0, float[] y1, float[] y2, float[] y3,
        Span<float> result)
    {
        int n = x0.Length, k = 0;
        ref float a0 = ref MemoryMarshal.GetArrayDataReference(x0);
        ref float a1 = ref MemoryMarshal.GetArrayDataReference(x1);
        ref float a2 = ref MemoryMarshal.GetArrayDataReference(x2);
        ref float a3 = ref MemoryMarshal.GetArrayDataReference(x3);
        ref float b0 = ref MemoryMarshal.GetArrayDataReference(y0);
        ref float b1 = ref MemoryMarshal.GetArrayDataReference(y1);
        ref float b2 = ref MemoryMarshal.GetArrayDataReference(y2);
        ref float b3 = ref MemoryMarshal.GetArrayDataReference(y3);
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        for (; k + 16 <= n; k += 16)
        {
            var v0 = Vector512.LoadUnsafe(ref a0, (nuint)k);
            var v1 = Vector512.LoadUnsafe(ref a1, (nuint)k);
            var v2 = Vector512.LoadUnsafe(ref a2, (nuint)k);
            var v3 = Vector512.LoadUnsafe(ref a3, (nuint)k);
            var w = Vector512.LoadUnsafe(ref b0, (nuint)k);
            c00 = Vector512.FusedMultiplyAdd(v0, w, c00);
            c10 = Vector512.FusedMultiplyAdd(v1, w, c10);
            c20 = Vector512.FusedMultiplyAdd(v2, w, c20);
            c30 = Vector512.FusedMultiplyAdd(v3, w, c30);
            w = Vector512.LoadUnsafe(ref b1, (nuint)k);
            c01 = Vector512.FusedMultiplyAdd(v0, w, c01);
            c11 = Vector512.FusedMultiplyAdd(v1, w, c11);
            c21 = Vector512.FusedMultiplyAdd(v2, w, c21);
            c31 = Vector512.FusedMultiplyAdd(v3, w, c31);
            w = Vector512.LoadUnsafe(ref b2, (nuint)k);
            c02 = Vector512.FusedMultiplyAdd(v0, w, c02);
            c12 = Vector512.FusedMultiplyAdd(v1, w, c12);
            c22 = Vector512.FusedMultiplyAdd(v2, w, c22);
            c32 = Vector512.FusedMultiplyAdd(v3, w, c32);
            w = Vector512.LoadUnsafe(ref b3, (nuint)k);
            c03 = Vector512.FusedMultiplyAdd(v0, w, c03);
            c13 = Vector512.FusedMultiplyAdd(v1, w, c13);
            c23 = Vector512.FusedMultiplyAdd(v2, w, c23);
            c33 = Vector512.FusedMultiplyAdd(v3, w, c33);
        }
        Store(result, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
        if (k == n)
            return;
        float[][] xs = [x0, x1, x2, x3], ys = [y0, y1, y2, y3];
        for (; k < n; k++)
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++)
                    result[a * 4 + b] += xs[a][k] * ys[b][k];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SquaredDifferenceTile(float[] x0, float[] x1, float[] x2, float[] x3, float[] y0, float[] y1, float[] y2, float[] y3,
        Span<float> result)
    {
        int n = x0.Length, k = 0;
        ref float a0 = ref MemoryMarshal.GetArrayDataReference(x0);
        ref float a1 = ref MemoryMarshal.GetArrayDataReference(x1);
        ref float a2 = ref MemoryMarshal.GetArrayDataReference(x2);
        ref float a3 = ref MemoryMarshal.GetArrayDataReference(x3);
        ref float b0 = ref MemoryMarshal.GetArrayDataReference(y0);
        ref float b1 = ref MemoryMarshal.GetArrayDataReference(y1);
        ref float b2 = ref MemoryMarshal.GetArrayDataReference(y2);
        ref float b3 = ref MemoryMarshal.GetArrayDataReference(y3);
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
        for (; k + 16 <= n; k += 16)
        {
            var v0 = Vector512.LoadUnsafe(ref a0, (nuint)k);
            var v1 = Vector512.LoadUnsafe(ref a1, (nuint)k);
            var v2 = Vector512.LoadUnsafe(ref a2, (nuint)k);
            var v3 = Vector512.LoadUnsafe(ref a3, (nuint)k);
            var w = Vector512.LoadUnsafe(ref b0, (nuint)k);
            var d0 = v0 - w; c00 = Vector512.FusedMultiplyAdd(d0, d0, c00);
            var d1 = v1 - w; c10 = Vector512.FusedMultiplyAdd(d1, d1, c10);
            var d2 = v2 - w; c20 = Vector512.FusedMultiplyAdd(d2, d2, c20);
            var d3 = v3 - w; c30 = Vector512.FusedMultiplyAdd(d3, d3, c30);
            w = Vector512.LoadUnsafe(ref b1, (nuint)k);
            d0 = v0 - w; c01 = Vector512.FusedMultiplyAdd(d0, d0, c01);
            d1 = v1 - w; c11 = Vector512.FusedMultiplyAdd(d1, d1, c11);
            d2 = v2 - w; c21 = Vector512.FusedMultiplyAdd(d2, d2, c21);
            d3 = v3 - w; c31 = Vector512.FusedMultiplyAdd(d3, d3, c31);
            w = Vector512.LoadUnsafe(ref b2, (nuint)k);
            d0 = v0 - w; c02 = Vector512.FusedMultiplyAdd(d0, d0, c02);
            d1 = v1 - w; c12 = Vector512.FusedMultiplyAdd(d1, d1, c12);
            d2 = v2 - w; c22 = Vector512.FusedMultiplyAdd(d2, d2, c22);
            d3 = v3 - w; c32 = Vector512.FusedMultiplyAdd(d3, d3, c32);
            w = Vector512.LoadUnsafe(ref b3, (nuint)k);
            d0 = v0 - w; c03 = Vector512.FusedMultiplyAdd(d0, d0, c03);
            d1 = v1 - w; c13 = Vector512.FusedMultiplyAdd(d1, d1, c13);
            d2 = v2 - w; c23 = Vector512.FusedMultiplyAdd(d2, d2, c23);
            d3 = v3 - w; c33 = Vector512.FusedMultiplyAdd(d3, d3, c33);
        }
        Store(result, c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33);
        if (k == n)
            return;
        float[][] xs = [x0, x1, x2, x3], ys = [y0, y1, y2, y3];
        for (; k < n; k++)
        {
            for (int a = 0; a < 4; a++)
            {
                for (int b = 0; b < 4; b++)
                {
                    float d = xs[a][k] - ys[b][k];
                    result[a * 4 + b] += d * d;
                }
            }
        }
    }

    private static void Store(Span<float> r,
        Vector512<float> c00, Vector512<float> c01, Vector512<float> c02, Vector512<float> c03,
        Vector512<float> c10, Vector512<float> c11, Vector512<float> c12, Vector512<float> c13,
        Vector512<float> c20, Vector512<float> c21, Vector512<float> c22, Vector512<float> c23,
        Vector512<float> c30, Vector512<float> c31, Vector512<float> c32, Vector512<float> c33)
    {
        r[0] = Vector512.Sum(c00); r[1] = Vector512.Sum(c01); r[2] = Vector512.Sum(c02); r[3] = Vector512.Sum(c03);
        r[4] = Vector512.Sum(c10); r[5] = Vector512.Sum(c11); r[6] = Vector512.Sum(c12); r[7] = Vector512.Sum(c13);
        r[8] = Vector512.Sum(c20); r[9] = Vector512.Sum(c21); r[10] = Vector512.Sum(c22); r[11] = Vector512.Sum(c23);
        r[12] = Vector512.Sum(c30); r[13] = Vector512.Sum(c31); r[14] = Vector512.Sum(c32); r[15] = Vector512.Sum(c33);
    }
}
