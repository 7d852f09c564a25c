using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// The active latents of SAE pre-activations on a CUDA device, from the kernels of sparse_activations.cu compiled
/// by NVRTC for the device's own architecture on first use. One pass counts the active latents of each row's
/// segments (one per warp), a scan of the counts gives each segment's offset, a second pass writes (column, value)
/// pairs in column order: the [tokens, d_sae] block is read twice and never written, and the host waits only for the
/// total, to size the output.
/// </summary>
internal sealed class SparseActivationKernels
{
    private const uint ThreadsPerRow = 256;
    private const int WarpsPerRow = (int)ThreadsPerRow / 32;
    private const string SourceName = "sparse_activations.cu";

    private readonly CudaModule _module;

    private SparseActivationKernels(CudaModule module) => _module = module;

    /// <summary>The compiled target, e.g. sm_90.</summary>
    public string Architecture => _module.Architecture;

    /// <summary>The CUDA source (embedded in this assembly).</summary>
    public static string Source => CudaModule.Source(SourceName);

    /// <summary>The kernels for <paramref name="device"/>, or null (with the reason) off CUDA or without NVRTC.</summary>
    public static SparseActivationKernels? For(Device device, out string? problem) =>
        CudaModule.For(SourceName, device, out problem) is { } module ? new SparseActivationKernels(module) : null;

    /// <summary>
    /// The active entries of <paramref name="pre"/> [rows, d] (bf16, f16 or f32, on this kernels' device): per-row
    /// counts (int32 [rows]), columns (int32) and values (float32) in row-major order, all on the device. Active means
    /// &gt; 0 and, with a <paramref name="threshold"/> [d] (JumpReLU), also &gt; the latent's threshold.
    /// </summary>
    public unsafe (Tensor Counts, Tensor Columns, Tensor Values) Extract(Tensor pre, Tensor? threshold = null)
    {
        if (pre.dim() != 2)
            throw new ArgumentException($"expected pre-activations [rows, d], got [{string.Join(", ", pre.shape)}]", nameof(pre));
        using var scope = NewDisposeScope();
        var block = pre.contiguous();
        int rows = (int)block.shape[0], d = (int)block.shape[1];
        var thresholds = threshold?.to(block.dtype, block.device).contiguous();
        string variant = Variant(block, d);
        IntPtr count = _module.Function($"saex_count_active_{variant}"), write = _module.Function($"saex_write_active_{variant}");
        if (rows == 0)
            return (empty(0, ScalarType.Int32, block.device).MoveToOuterDisposeScope(), empty(0, ScalarType.Int32, block.device).MoveToOuterDisposeScope(), empty(0, ScalarType.Float32, block.device).MoveToOuterDisposeScope());
        // Counts per (row, segment): each warp of a row's block takes one contiguous segment of the row.
        var segmentCounts = empty([rows, WarpsPerRow], ScalarType.Int32, block.device);

        IntPtr input = NativeTensor.DataPointer(block), noBias = IntPtr.Zero;
        IntPtr limits = thresholds is null ? IntPtr.Zero : NativeTensor.DataPointer(thresholds);
        IntPtr countsAt = NativeTensor.DataPointer(segmentCounts);
        void** countArguments = stackalloc void*[] { &input, &noBias, &limits, &d, &countsAt };
        _module.Launch(count, (uint)rows, ThreadsPerRow, countArguments);
        var flat = segmentCounts.view(-1);
        var ends = flat.cumsum(0, ScalarType.Int64);
        // The one wait: the total sizes the output.
        long total = ends[(long)rows * WarpsPerRow - 1].item<long>();
        var starts = ends - flat;
        var counts = segmentCounts.sum([1], type: ScalarType.Int32);
        var columns = empty(total, ScalarType.Int32, block.device);
        var values = empty(total, ScalarType.Float32, block.device);
        if (total > 0)
        {
            IntPtr startsAt = NativeTensor.DataPointer(starts), columnsAt = NativeTensor.DataPointer(columns), valuesAt = NativeTensor.DataPointer(values);
            void** writeArguments = stackalloc void*[] { &input, &noBias, &limits, &d, &startsAt, &columnsAt, &valuesAt };
            _module.Launch(write, (uint)rows, ThreadsPerRow, writeArguments);
        }
        return (counts.MoveToOuterDisposeScope(), columns.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    // Vector loads need every row to start on a 16-byte boundary and a row length the vector width divides.
    private static string Variant(Tensor block, int d)
    {
        bool aligned = NativeTensor.DataPointer(block) % 16 == 0;
        return block.dtype switch
        {
            ScalarType.BFloat16 => aligned && d % 16 == 0 ? "bf16_v16" : aligned && d % 8 == 0 ? "bf16_v8" : "bf16_v1",
            ScalarType.Float16 => aligned && d % 16 == 0 ? "f16_v16" : aligned && d % 8 == 0 ? "f16_v8" : "f16_v1",
            ScalarType.Float32 => aligned && d % 8 == 0 ? "f32_v8" : aligned && d % 4 == 0 ? "f32_v4" : "f32_v1",
            _ => throw new ArgumentException($"the sparse kernels take bfloat16, float16 or float32 pre-activations, not {block.dtype}"),
        };
    }
}
