using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// Fused bfloat16 kernels for the decoder layer on CUDA (llama_layer.cu): RMSNorm (optionally with the residual add
/// before it), attention's inputs (rotary, padding and KV-head repetition in one pass), and SiLU(gate) × up. Each takes the place of a
/// chain of torch element-wise kernels with the same roundings. <see cref="FusedCudaBackend"/> runs them for the
/// layers of a bfloat16 model on CUDA; elsewhere (the CPU, other dtypes, no NVRTC) the model gets torch's backend.
/// </summary>
internal sealed class LlamaKernels
{
    /// <summary>The embedded CUDA source these kernels come from.</summary>
    internal const string SourceName = "llama_layer.cu";
    // saex_rms_norm reads rows as 8-value vectors and keeps at most 8 of them per thread.
    private const int NormVectorsPerThread = 8;

    private readonly CudaModule _module;
    private readonly IntPtr _rmsNorm;
    private readonly IntPtr _siluMul;
    private readonly IntPtr _attentionInputs;

    private LlamaKernels(CudaModule module)
    {
        _module = module;
        _rmsNorm = module.Function("saex_rms_norm");
        _siluMul = module.Function("saex_silu_mul");
        _attentionInputs = module.Function("saex_attention_inputs");
    }

    /// <summary>The compiled target, e.g. sm_90.</summary>
    public string Architecture => _module.Architecture;

    /// <summary>The kernels compiled for <paramref name="device"/>, or null (with the reason) off CUDA, when switched
    /// off by SAEX_CUDA_KERNELS=off, or without the driver or NVRTC.</summary>
    public static LlamaKernels? For(Device device, out string? problem) =>
        CudaModule.For(SourceName, device, out problem) is { } module ? new LlamaKernels(module) : null;

    /// <summary>Whether <see cref="RmsNorm"/> and <see cref="AddRmsNorm"/> take these (contiguous, 16-byte aligned) tensors.</summary>
    public static bool NormFits(params Tensor[] tensors)
    {
        long d = tensors[0].shape[^1];
        return d % 8 == 0 && d / 8 <= NormVectorsPerThread * 1024L && tensors.All(t => t.is_contiguous() && NativeTensor.DataPointer(t) % 16 == 0);
    }

    /// <summary>transformers' LlamaRMSNorm of x [..., d].</summary>
    public Tensor RmsNorm(Tensor x, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var input = x.contiguous();
        var normed = empty_like(input);
        LaunchRmsNorm(input, null, null, weight, normed, eps);
        return normed.MoveToOuterDisposeScope();
    }

    /// <summary>h = x + delta (torch's bfloat16 add) and transformers' LlamaRMSNorm of h, in one pass.</summary>
    public (Tensor Sum, Tensor Normed) AddRmsNorm(Tensor x, Tensor delta, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var input = x.contiguous();
        var sum = empty_like(input);
        var normed = empty_like(input);
        LaunchRmsNorm(input, delta.contiguous(), sum, weight, normed, eps);
        return (sum.MoveToOuterDisposeScope(), normed.MoveToOuterDisposeScope());
    }

    private unsafe void LaunchRmsNorm(Tensor input, Tensor? delta, Tensor? sum, Tensor weight, Tensor normed, double eps)
    {
        using var scope = NewDisposeScope();
        int d = (int)input.shape[^1];
        uint rows = (uint)(input.numel() / d);
        if (rows == 0)
            return;
        // Four vectors per thread where that fills whole warps (256 threads for the 70B's 8192), more for wider rows.
        int vectors = d / 8;
        uint threads = (uint)Math.Clamp(((vectors + 3) / 4 + 31) / 32 * 32, 32, 1024);
        if ((vectors + threads - 1) / threads > NormVectorsPerThread)
            throw new ArgumentException($"rows of {d} values are too wide for saex_rms_norm", nameof(input));
        var w = weight.to(input.dtype, input.device).contiguous();
        IntPtr xAt = NativeTensor.DataPointer(input), weightAt = NativeTensor.DataPointer(w), outAt = NativeTensor.DataPointer(normed);
        IntPtr deltaAt = delta is null ? IntPtr.Zero : NativeTensor.DataPointer(delta), sumAt = sum is null ? IntPtr.Zero : NativeTensor.DataPointer(sum);
        float epsilon = (float)eps;
        void** arguments = stackalloc void*[] { &xAt, &deltaAt, &sumAt, &weightAt, &outAt, &d, &epsilon };
        _module.Launch(_rmsNorm, rows, threads, arguments);
    }

    /// <summary>Whether <see cref="AttentionInputs"/> takes this layout (8-value vectors; every KV head serving whole query heads).</summary>
    public static bool AttentionInputsFit(Tensor qkv, Tensor cos, Tensor sin, int heads, int kvHeads, int headDim) =>
        headDim % 16 == 0 && heads % kvHeads == 0 && qkv.is_contiguous() && cos.is_contiguous() && sin.is_contiguous()
        && cos.dtype == qkv.dtype && sin.dtype == qkv.dtype
        && NativeTensor.DataPointer(qkv) % 16 == 0 && NativeTensor.DataPointer(cos) % 16 == 0 && NativeTensor.DataPointer(sin) % 16 == 0;

    /// <summary>
    /// q, k and v for scaled_dot_product_attention from the fused packed [N, (heads + 2 kvHeads) × headDim] block:
    /// rotated, scattered into the padded [slots, heads, headDim] layout (<paramref name="padIndex"/> gives each
    /// packed row's slot; null when there is no padding) and with each KV head repeated for the query heads it serves.
    /// Padding slots are zero.
    /// </summary>
    public unsafe (Tensor Q, Tensor K, Tensor V) AttentionInputs(Tensor qkv, Tensor cos, Tensor sin, Tensor? padIndex, long slots, int heads, int kvHeads, int headDim)
    {
        using var scope = NewDisposeScope();
        uint rows = (uint)qkv.shape[0];
        // Padding slots stay zero: masked keys need finite values, since a zero weight times NaN would still be NaN.
        long[] shape = [slots, heads, headDim];
        Tensor Make() => padIndex is null ? empty(shape, qkv.dtype, qkv.device) : zeros(shape, qkv.dtype, qkv.device);
        Tensor q = Make(), k = Make(), v = Make();
        var index = padIndex?.to_type(ScalarType.Int64).contiguous();
        if (rows > 0)
        {
            IntPtr qkvAt = NativeTensor.DataPointer(qkv), cosAt = NativeTensor.DataPointer(cos), sinAt = NativeTensor.DataPointer(sin);
            IntPtr indexAt = index is null ? IntPtr.Zero : NativeTensor.DataPointer(index);
            IntPtr qAt = NativeTensor.DataPointer(q), kAt = NativeTensor.DataPointer(k), vAt = NativeTensor.DataPointer(v);
            void** arguments = stackalloc void*[] { &qkvAt, &cosAt, &sinAt, &indexAt, &qAt, &kAt, &vAt, &heads, &kvHeads, &headDim };
            _module.Launch(_attentionInputs, rows, 128, arguments);
        }
        return (q.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    /// <summary>Whether <see cref="SiluMul"/> takes this fused gate|up block (8-value vector loads).</summary>
    public static bool SiluMulFits(Tensor gateUp, long width) =>
        width % 8 == 0 && gateUp.is_contiguous() && NativeTensor.DataPointer(gateUp) % 16 == 0;

    /// <summary>silu(gate) × up of a contiguous fused [rows, 2 × width] block.</summary>
    public unsafe Tensor SiluMul(Tensor gateUp, int width)
    {
        long rows = gateUp.shape[0];
        var output = empty([rows, width], gateUp.dtype, gateUp.device);
        long groups = rows * (width / 8);
        if (groups == 0)
            return output;
        IntPtr inAt = NativeTensor.DataPointer(gateUp), outAt = NativeTensor.DataPointer(output);
        uint blocks = (uint)Math.Min((groups + 255) / 256, 1L << 20);
        void** arguments = stackalloc void*[] { &inAt, &outAt, &rows, &width };
        _module.Launch(_siluMul, blocks, 256, arguments);
        return output;
    }
}
