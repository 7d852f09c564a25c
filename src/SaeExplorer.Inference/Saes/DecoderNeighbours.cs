using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes;

/// <summary>A latent and the cosine between its decoder direction and another latent's.</summary>
public sealed record DecoderNeighbour(int Feature, float Cosine);

/// <summary>
/// The latents whose decoder directions point most nearly the same way as one latent's (cosine of <c>W_dec</c> rows):
/// near-duplicates and split features, which the SAE's training leaves side by side.
/// </summary>
public static class DecoderNeighbours
{
    /// <summary>
    /// Rows read per step: W_dec is [d_sae, d_in] in the SAE's dtype (a 65,536 × 8,192 bf16 decoder is 1 GiB), so the
    /// float32 copy the cosines are taken in is made a slice at a time instead of at once.
    /// </summary>
    private const long RowsPerChunk = 8192;

    /// <summary>The <paramref name="top"/> other latents by decoder cosine, largest first (ties: lower index). A latent with a zero decoder row has no direction and no neighbours.</summary>
    public static IReadOnlyList<DecoderNeighbour> Compute(SparseAutoencoder sae, int feature, int top = 10)
    {
        if (feature < 0 || feature >= sae.DSae)
            throw new ArgumentException($"feature {feature} is outside this SAE's latents, numbered 0 to {sae.DSae - 1}.", nameof(feature));
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var decoder = sae.DecoderWeight;
        var direction = decoder[feature].to_type(ScalarType.Float32);
        float norm = direction.norm().item<float>();
        if (norm == 0)
            return [];
        var unit = direction / norm;
        var cosines = new float[sae.DSae];
        for (long start = 0; start < sae.DSae; start += RowsPerChunk)
        {
            using var inner = NewDisposeScope();
            long length = Math.Min(RowsPerChunk, sae.DSae - start);
            var rows = decoder.narrow(0, start, length).to_type(ScalarType.Float32);
            // A zero row's cosine is 0, not NaN: clamp its norm away from zero (the dot product is 0 anyway).
            var chunk = rows.matmul(unit) / rows.norm(dim: 1).clamp_min(1e-30);
            chunk.cpu().data<float>().CopyTo(cosines, (int)start);
        }
        return Enumerable.Range(0, cosines.Length)
            .Where(g => g != feature)
            .OrderByDescending(g => cosines[g])
            .ThenBy(g => g)
            .Take(top)
            .Select(g => new DecoderNeighbour(g, cosines[g]))
            .ToArray();
    }
}
