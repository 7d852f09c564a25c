using SaeExplorer.Inference.Cuda;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// The element-wise steps of a decoder layer (RMSNorm, the residual add before it, attention's inputs, SiLU-gating)
/// run through torch's kernels. The fused CUDA backend overrides them with kernels of the same roundings. Which one a
/// device gets is decided once, when the model is built (<see cref="For"/>), and handed to the modules there, so no
/// module asks per forward which kernels to run.
/// </summary>
public class LlamaBackend
{
    public const string TorchName = "torch";
    public const string FusedCudaName = "fused-cuda";

    private protected LlamaBackend(string detail) => Detail = detail;

    /// <summary><see cref="TorchName"/> or <see cref="FusedCudaName"/>.</summary>
    public virtual string Name => TorchName;

    /// <summary>For reports: the architecture the fused kernels were compiled for, or why torch's kernels run.</summary>
    public string Detail { get; }

    /// <summary>
    /// The backend for layers on <paramref name="device"/> holding <paramref name="dtype"/> weights: the fused kernels
    /// for bfloat16 on CUDA when NVRTC compiled them (and SAEX_CUDA_KERNELS is not "off"), torch's otherwise.
    /// </summary>
    public static LlamaBackend For(Device device, ScalarType dtype)
    {
        if (device.type != DeviceType.CUDA)
            return new LlamaBackend("not a CUDA device");
        if (dtype != ScalarType.BFloat16)
            return new LlamaBackend($"the fused kernels take bfloat16, the model is {dtype}");
        return LlamaKernels.For(device, out var problem) is { } kernels ? new FusedCudaBackend(kernels) : new LlamaBackend(problem ?? "no kernels");
    }

    /// <summary>
    /// transformers' LlamaRMSNorm of x [..., d]: the statistic in float32 whatever the compute dtype, the normalised
    /// value cast back, then multiplied by the weight in the compute dtype.
    /// </summary>
    public virtual Tensor RmsNorm(Tensor x, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to_type(ScalarType.Float32);
        var variance = x32.pow(2).mean([-1], keepdim: true);
        var normed = (x32 * torch.rsqrt(variance + eps)).to_type(x.dtype);
        return (weight * normed).MoveToOuterDisposeScope();
    }

    /// <summary>h = x + delta and <see cref="RmsNorm"/> of h.</summary>
    public virtual (Tensor Sum, Tensor Normed) AddRmsNorm(Tensor x, Tensor delta, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var sum = x + delta;
        var normed = RmsNorm(sum, weight, eps);
        return (sum.MoveToOuterDisposeScope(), normed.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// q, k and v [B, heads, Tmax, headDim] for scaled_dot_product_attention from the fused packed
    /// [N, (heads + 2 kvHeads) × headDim] projection: rotated, padded to the batch's layout, and with each KV head
    /// repeated for the query heads it serves.
    /// </summary>
    /// <param name="cos">[N, headDim]</param>
    /// <param name="sin">[N, headDim]</param>
    /// <param name="batch">where each prompt's tokens are, on qkv's device</param>
    public virtual (Tensor Q, Tensor K, Tensor V) AttentionInputs(Tensor qkv, Tensor cos, Tensor sin, PackedBatch batch, int heads, int kvHeads, int headDim)
    {
        using var scope = NewDisposeScope();
        long n = qkv.shape[0];
        int qWidth = heads * headDim, kvWidth = kvHeads * headDim;
        var c = cos.unsqueeze(1);
        var s = sin.unsqueeze(1);
        var q = RotaryEmbedding.Apply(qkv.narrow(1, 0, qWidth).view(n, heads, headDim), c, s);
        var k = RotaryEmbedding.Apply(qkv.narrow(1, qWidth, kvWidth).view(n, kvHeads, headDim), c, s);
        var v = qkv.narrow(1, qWidth + kvWidth, kvWidth).view(n, kvHeads, headDim);

        var qp = batch.Pad(q).transpose(1, 2);
        var kp = batch.Pad(k).transpose(1, 2);
        var vp = batch.Pad(v).transpose(1, 2);
        if (kvHeads != heads)
        {
            // Each KV head serves heads/kvHeads consecutive query heads (transformers' repeat_kv layout).
            int groups = heads / kvHeads;
            kp = kp.repeat_interleave(groups, 1);
            vp = vp.repeat_interleave(groups, 1);
        }
        return (qp.MoveToOuterDisposeScope(), kp.MoveToOuterDisposeScope(), vp.MoveToOuterDisposeScope());
    }

    /// <summary>silu(gate) × up of a fused [rows, 2 × width] gate|up block.</summary>
    public virtual Tensor SiluMul(Tensor gateUp, long width)
    {
        using var scope = NewDisposeScope();
        var gated = functional.silu(gateUp.narrow(-1, 0, width)) * gateUp.narrow(-1, width, width);
        return gated.MoveToOuterDisposeScope();
    }
}
