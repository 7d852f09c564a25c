using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Rotary position embeddings in the Hugging Face "rotate_half" layout (the first and second halves of each head
/// are the two coordinates of a pair, not interleaved), with the inverse frequencies of the config's rope type.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>
    /// The inverse frequencies, computed in float32 with the same operations as transformers'
    /// <c>_compute_default_rope_parameters</c> and <c>_compute_llama3_parameters</c> so they agree to the last bit.
    /// </summary>
    public static float[] InverseFrequencies(int headDim, double theta, RopeScaling scaling)
    {
        using var scope = NewDisposeScope();
        var exponents = arange(0, headDim, 2, ScalarType.Int64).to_type(ScalarType.Float32) / headDim;
        var invFreq = 1.0f / torch.pow(tensor((float)theta), exponents);
        if (scaling.RopeType == "llama3")
        {
            double oldContext = scaling.OriginalMaxPositionEmbeddings;
            double lowFreqWavelen = oldContext / scaling.LowFreqFactor;
            double highFreqWavelen = oldContext / scaling.HighFreqFactor;
            var wavelen = 2 * Math.PI / invFreq;
            var scaled = where(wavelen.gt(lowFreqWavelen), invFreq / scaling.Factor, invFreq);
            var smooth = (oldContext / wavelen - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
            var smoothed = (1 - smooth) * scaled / scaling.Factor + smooth * scaled;
            var isMedium = wavelen.lt(highFreqWavelen).logical_not().logical_and(wavelen.gt(lowFreqWavelen).logical_not());
            invFreq = where(isMedium, smoothed, scaled);
        }
        else if (scaling.RopeType != "default")
        {
            throw new NotSupportedException($"rope type '{scaling.RopeType}' is not supported");
        }
        return invFreq.to_type(ScalarType.Float32).data<float>().ToArray();
    }

    /// <summary>cos and sin tables [..., headDim] for positions of any shape, in <paramref name="dtype"/>.</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor invFreq, Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        // Outer product in float32 (transformers disables autocast here for the same reason: bf16 positions lose
        // precision beyond 256).
        var freqs = positions.to_type(ScalarType.Float32).unsqueeze(-1) * invFreq;
        var emb = cat([freqs, freqs], -1);
        var cos = emb.cos().to_type(dtype);
        var sin = emb.sin().to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Applies the rotation to q or k [..., D] with cos/sin tables that broadcast against it.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([-x2, x1], -1);
        var result = x * cos + rotated * sin;
        return result.MoveToOuterDisposeScope();
    }
}
