using SaeExplorer.Inference.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// The decoder layer's element-wise steps through the fused bfloat16 kernels of <see cref="LlamaKernels"/>. Chosen
/// for a device once; a tensor the kernels cannot take (another dtype, not contiguous, misaligned, an odd width)
/// still goes through torch's kernels, decided per call since only the call knows its tensors.
/// </summary>
internal sealed class FusedCudaBackend(LlamaKernels kernels) : LlamaBackend(kernels.Architecture)
{
    public override string Name => FusedCudaName;

    public override Tensor RmsNorm(Tensor x, Tensor weight, double eps) =>
        x.dtype == ScalarType.BFloat16 && LlamaKernels.NormFits(x, weight)
            ? kernels.RmsNorm(x, weight, eps)
            : base.RmsNorm(x, weight, eps);

    /// <remarks>Where the fused pass does not fit, the add runs in torch and the norm of the sum may still be fused.</remarks>
    public override (Tensor Sum, Tensor Normed) AddRmsNorm(Tensor x, Tensor delta, Tensor weight, double eps) =>
        x.dtype == ScalarType.BFloat16 && delta.dtype == x.dtype && LlamaKernels.NormFits(x, delta, weight)
            ? kernels.AddRmsNorm(x, delta, weight, eps)
            : base.AddRmsNorm(x, delta, weight, eps);

    public override (Tensor Q, Tensor K, Tensor V) AttentionInputs(Tensor qkv, Tensor cos, Tensor sin, PackedBatch batch, int heads, int kvHeads, int headDim)
    {
        if (qkv.dtype != ScalarType.BFloat16 || !LlamaKernels.AttentionInputsFit(qkv, cos, sin, heads, kvHeads, headDim))
            return base.AttentionInputs(qkv, cos, sin, batch, heads, kvHeads, headDim);
        using var scope = NewDisposeScope();
        // One pass rotates q and k, scatters q/k/v into the padded layout and repeats the KV heads.
        var (q, k, v) = kernels.AttentionInputs(qkv, cos, sin, batch.PadIndex, (long)batch.BatchSize * batch.MaxLength, heads, kvHeads, headDim);
        var qp = q.view(batch.BatchSize, batch.MaxLength, heads, headDim).transpose(1, 2);
        var kp = k.view(batch.BatchSize, batch.MaxLength, heads, headDim).transpose(1, 2);
        var vp = v.view(batch.BatchSize, batch.MaxLength, heads, headDim).transpose(1, 2);
        return (qp.MoveToOuterDisposeScope(), kp.MoveToOuterDisposeScope(), vp.MoveToOuterDisposeScope());
    }

    public override Tensor SiluMul(Tensor gateUp, long width) =>
        gateUp.dtype == ScalarType.BFloat16 && gateUp.dim() == 2 && LlamaKernels.SiluMulFits(gateUp, width)
            ? kernels.SiluMul(gateUp, (int)width)
            : base.SiluMul(gateUp, width);
}
