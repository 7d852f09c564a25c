using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Cuda;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Saes;

/// <summary>
/// Shared input processing of every SAE architecture (as SAELens's base class): optional b_dec subtraction, the
/// encoder affine map, and the decoder. Parameters use SAELens's names and layouts — <c>W_enc</c> [d_in, d_sae],
/// <c>b_enc</c> [d_sae], <c>W_dec</c> [d_sae, d_in], <c>b_dec</c> [d_in] — whatever the file format; a loader may
/// hand over a transposed view (Goodfire and sparsify store the encoder as [d_sae, d_in]) so that the product runs
/// in the same memory layout, and so rounds the same way, as the reference implementation.
/// </summary>
public abstract class SparseAutoencoder : Module<Tensor, Tensor>
{
    private readonly Parameter W_enc;
    private readonly Parameter b_enc;
    private readonly Parameter W_dec;
    private readonly Parameter b_dec;

    protected SparseAutoencoder(string name, SaeConfig config, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec) : base(name)
    {
        Config = config;
        CheckShape(config, "W_enc", wEnc, [config.DIn, config.DSae]);
        CheckShape(config, "b_enc", bEnc, [config.DSae]);
        CheckShape(config, "W_dec", wDec, [config.DSae, config.DIn]);
        CheckShape(config, "b_dec", bDec, [config.DIn]);
        W_enc = new Parameter(wEnc, requires_grad: false);
        b_enc = new Parameter(bEnc, requires_grad: false);
        W_dec = new Parameter(wDec, requires_grad: false);
        b_dec = new Parameter(bDec, requires_grad: false);
    }

    public SaeConfig Config { get; }

    // Page-locked buffers for the sparse results on their way to the host, kept between calls (pinning memory is
    // slow); like all tensor work, EncodeSparse runs on one thread at a time.
    private PinnedStaging? _staging;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _staging?.Dispose();
            _staging = null;
        }
        base.Dispose(disposing);
    }
    public int DIn => Config.DIn;
    public int DSae => Config.DSae;
    public Device Device => W_enc.device;
    public ScalarType DType => W_enc.dtype;

    /// <summary>The encoder matrix [d_in, d_sae] (possibly a transposed view).</summary>
    public Tensor EncoderWeight => W_enc;

    /// <summary>The decoder directions [d_sae, d_in] (for promoted-token analysis).</summary>
    public Tensor DecoderWeight => W_dec;

    protected static void CheckShape(SaeConfig config, string name, Tensor t, long[] expected)
    {
        if (!t.shape.SequenceEqual(expected))
            throw new Loading.CheckpointException(config.Source, name,
                $"has shape [{string.Join(", ", t.shape)}] but d_in {config.DIn} and d_sae {config.DSae} need [{string.Join(", ", expected)}].");
    }

    /// <summary>Pre-activations [..., d_sae] of activations [..., d_in] (in the SAE's dtype).</summary>
    public Tensor PreActivations(Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = x.to(DType, Device);
        if (Config.ApplyBDecToInput)
            input = input - b_dec;
        // For a token matrix the bias rides in the GEMM's epilogue (addmm) instead of a second pass over [tokens, d_sae].
        var pre = input.dim() == 2 ? addmm(b_enc, input, W_enc, 1, 1) : input.matmul(W_enc) + b_enc;
        return pre.MoveToOuterDisposeScope();
    }

    /// <summary>Dense feature activations [..., d_sae].</summary>
    public Tensor Encode(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Activate(PreActivations(x)).MoveToOuterDisposeScope();
    }

    /// <summary>The architecture's nonlinearity on pre-activations (which it may overwrite).</summary>
    protected abstract Tensor Activate(Tensor pre);

    /// <summary>Reconstruction [..., d_in] of feature activations [..., d_sae].</summary>
    public Tensor Decode(Tensor features)
    {
        using var scope = NewDisposeScope();
        return (features.to(DType, Device).matmul(W_dec) + b_dec).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Decode(Encode(x)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Encodes [tokens, d_in] activations in chunks of <paramref name="chunkTokens"/> and keeps only the active
    /// latents: the dense [tokens, d_sae] matrix never exists at once (20,000 tokens × 65,536 latents would be 5 GB).
    /// On a CUDA device the active entries come from NVRTC-compiled kernels (<see cref="SparseActivationKernels"/>)
    /// where the architecture allows (ReLU, JumpReLU); elsewhere, or where NVRTC is missing, from torch's nonzero.
    /// Both give identical matrices.
    /// </summary>
    /// <param name="quality">when given, each chunk is also decoded and its reconstruction error accumulated there</param>
    /// <param name="deviceKernels">false forces torch's route (to compare the two)</param>
    public SparseFeatureMatrix EncodeSparse(Tensor activations, int chunkTokens = 1024, ReconstructionStatistics? quality = null, bool deviceKernels = true)
    {
        if (activations.dim() != 2 || activations.shape[1] != DIn)
            throw new ArgumentException($"expected activations [tokens, {DIn}], got [{string.Join(", ", activations.shape)}]", nameof(activations));
        if (chunkTokens <= 0)
            throw new ArgumentOutOfRangeException(nameof(chunkTokens), chunkTokens, "the chunk must hold at least one token");
        int tokens = (int)activations.shape[0];
        if (tokens == 0)
            return new SparseFeatureMatrix(0, DSae, [0], [], []);
        if (deviceKernels && SparseKernels() is { } kernels)
            return EncodeSparseOnDevice(activations, chunkTokens, kernels, quality);

        var starts = new int[tokens + 1];
        var indexChunks = new List<int[]>();
        var valueChunks = new List<float[]>();
        for (int begin = 0; begin < tokens; begin += chunkTokens)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(chunkTokens, tokens - begin);
            var chunk = activations.narrow(0, begin, n);
            var features = Encode(chunk);
            quality?.Add(chunk, features, Decode(features));
            // Only the active entries cross to the host: their (row, column) pairs from one scan of the block
            // (row-major, so each row's latents come ascending) and their values gathered at those pairs — not the
            // dense [n, d_sae] block.
            var nz = features.nonzero();
            var rows = nz[.., 0];
            var columns = nz[.., 1];
            var values = NativeTensor.ToArray<float>(features.index([rows, columns]).to_type(ScalarType.Float32));
            var columnArray = NativeTensor.ToArray<int>(columns.to_type(ScalarType.Int32));
            var counts = NativeTensor.ToArray<long>(rows.bincount(null, n));
            for (int r = 0; r < n; r++)
                starts[begin + r + 1] = starts[begin + r] + (int)counts[r];
            indexChunks.Add(columnArray);
            valueChunks.Add(values);
        }
        return Assemble(starts, chunkTokens, indexChunks, valueChunks);
    }

    /// <summary>Which route <see cref="EncodeSparse"/> takes on this SAE's device, and why (for benchmark reports).</summary>
    public string SparseRoute()
    {
        if (!HasSparseKernelRule)
            return "torch (this architecture has no sparse kernel)";
        return SparseActivationKernels.For(Device, out var problem) is { } kernels ? $"nvrtc kernels ({kernels.Architecture})" : $"torch ({problem})";
    }

    private SparseActivationKernels? SparseKernels() =>
        HasSparseKernelRule && DType is ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float32
            ? SparseActivationKernels.For(Device, out _)
            : null;

    private SparseFeatureMatrix EncodeSparseOnDevice(Tensor activations, int chunkTokens, SparseActivationKernels kernels, ReconstructionStatistics? quality)
    {
        int tokens = (int)activations.shape[0];
        int chunks = (tokens + chunkTokens - 1) / chunkTokens;
        var starts = new int[tokens + 1];
        var columnChunks = new int[chunks][];
        var valueChunks = new float[chunks][];
        var staging = _staging ??= new PinnedStaging();
        using var copied = CudaEvent.TryCreate(Math.Max(0, (int)Device.index));
        Tensor? block = KernelInput(activations, 0, Math.Min(chunkTokens, tokens), quality);
        try
        {
            for (int c = 0; c < chunks; c++)
            {
                using var scope = NewDisposeScope();
                int begin = c * chunkTokens, n = Math.Min(chunkTokens, tokens - begin);
                var (counts, columns, values) = kernels.Extract(block!, quality is null ? SparseKernelThreshold : null);
                // Stream order keeps the block alive for the kernels already enqueued; its memory goes to the next matmul.
                block!.Dispose();
                block = null;
                var hostCounts = staging.CopyToHost("counts", counts);
                var hostColumns = staging.CopyToHost("columns", columns);
                var hostValues = staging.CopyToHost("values", values);
                copied?.Record();
                // The next chunk's matmul goes in behind those copies, so the GPU works on it while the host unpacks this chunk.
                if (c + 1 < chunks)
                    block = KernelInput(activations, begin + n, Math.Min(chunkTokens, tokens - begin - n), quality);
                if (copied is null)
                    cuda.synchronize(Device);
                else
                    copied.Wait();
                var rowCounts = new int[n];
                NativeTensor.CopyTo(hostCounts, rowCounts.AsSpan());
                for (int r = 0; r < n; r++)
                    starts[begin + r + 1] = starts[begin + r] + rowCounts[r];
                columnChunks[c] = GC.AllocateUninitializedArray<int>((int)hostColumns.numel());
                valueChunks[c] = GC.AllocateUninitializedArray<float>((int)hostValues.numel());
                NativeTensor.CopyTo(hostColumns, columnChunks[c].AsSpan());
                NativeTensor.CopyTo(hostValues, valueChunks[c].AsSpan());
            }
        }
        finally
        {
            block?.Dispose();
        }
        return Assemble(starts, chunkTokens, columnChunks, valueChunks);
    }

    /// <summary>
    /// The matrix from each chunk's columns and values (chunk c holds rows c·chunkTokens onward) and the finished row
    /// starts, which say where each chunk's entries begin.
    /// </summary>
    private SparseFeatureMatrix Assemble(int[] starts, int chunkTokens, IReadOnlyList<int[]> columnChunks, IReadOnlyList<float[]> valueChunks)
    {
        int tokens = starts.Length - 1;
        // Uninitialised: zeroing 20 MB on one thread cost more than the copies, which touch the pages on many.
        var indices = GC.AllocateUninitializedArray<int>(starts[tokens]);
        var allValues = GC.AllocateUninitializedArray<float>(starts[tokens]);
        // In pieces of 256 Ki entries, so that many threads share the copying (and the first touch of the pages).
        const int Piece = 1 << 18;
        var pieces = new List<(int Chunk, int From)>();
        for (int c = 0; c < columnChunks.Count; c++)
            for (int from = 0; from < columnChunks[c].Length; from += Piece)
                pieces.Add((c, from));
        Parallel.ForEach(pieces, piece =>
        {
            var (c, from) = piece;
            int at = starts[c * chunkTokens] + from, length = Math.Min(Piece, columnChunks[c].Length - from);
            columnChunks[c].AsSpan(from, length).CopyTo(indices.AsSpan(at, length));
            valueChunks[c].AsSpan(from, length).CopyTo(allValues.AsSpan(at, length));
        });
        return new SparseFeatureMatrix(tokens, DSae, starts, indices, allValues);
    }

    /// <summary>
    /// What the kernels read for tokens [begin, begin + n): the pre-activations (the kernels apply the activation as
    /// they read), or, when the reconstruction is measured and needs them anyway, the dense features. Outlives the
    /// caller's dispose scope; the caller disposes it.
    /// </summary>
    private Tensor KernelInput(Tensor activations, int begin, int n, ReconstructionStatistics? quality)
    {
        using var scope = NewDisposeScope();
        var chunk = activations.narrow(0, begin, n);
        if (quality is null)
            return PreActivations(chunk).DetachFromDisposeScope();
        var features = Encode(chunk);
        quality.Add(chunk, features, Decode(features));
        return features.DetachFromDisposeScope();
    }

    /// <summary>Whether the CUDA sparse kernels implement this architecture's activation (value &gt; 0, and &gt; a threshold if any).</summary>
    private protected virtual bool HasSparseKernelRule => false;

    /// <summary>The per-latent threshold the sparse kernels apply (JumpReLU), or null.</summary>
    private protected virtual Tensor? SparseKernelThreshold => null;

    /// <summary>MSE, fraction of variance explained and L0 of this SAE on activations [tokens, d_in].</summary>
    public SaeReconstructionQuality Evaluate(Tensor activations)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var stats = new ReconstructionStatistics(DIn);
        var f = Encode(activations);
        stats.Add(activations, f, Decode(f));
        return stats.Result();
    }
}

/// <summary>The standard ReLU SAE (SAELens "standard"; Goodfire's Llama SAEs).</summary>
public sealed class ReluSae : SparseAutoencoder
{
    public ReluSae(SaeConfig config, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec)
        : base("ReluSae", config, wEnc, bEnc, wDec, bDec) => RegisterComponents();

    // In place: pre-activations are a fresh tensor of Encode's, and a second [tokens, d_sae] buffer would cost a pass.
    protected override Tensor Activate(Tensor pre) => pre.relu_();

    private protected override bool HasSparseKernelRule => true;
}

/// <summary>JumpReLU: a latent fires only above its learned threshold, and then passes its pre-activation.</summary>
public sealed class JumpReluSae : SparseAutoencoder
{
    private readonly Parameter threshold;

    public JumpReluSae(SaeConfig config, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, Tensor threshold)
        : base("JumpReluSae", config, wEnc, bEnc, wDec, bDec)
    {
        CheckShape(config, "threshold", threshold, [config.DSae]);
        this.threshold = new Parameter(threshold, requires_grad: false);
        RegisterComponents();
    }

    private protected override bool HasSparseKernelRule => true;
    private protected override Tensor? SparseKernelThreshold => threshold;

    // SAELens: relu(pre) * (pre > threshold); the relu only matters for negative thresholds.
    protected override Tensor Activate(Tensor pre)
    {
        using var scope = NewDisposeScope();
        return (functional.relu(pre) * pre.gt(threshold).to_type(pre.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>TopK: keep the k largest ReLU pre-activations of each token, zero the rest (sparsify, SAELens "topk").</summary>
public sealed class TopKSae : SparseAutoencoder
{
    public TopKSae(SaeConfig config, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec)
        : base("TopKSae", config, wEnc, bEnc, wDec, bDec)
    {
        if (config.K is not > 0 || config.K > config.DSae)
            throw new Loading.CheckpointException(config.Source, null, $"TopK SAE needs 0 < k ≤ d_sae ({config.DSae}); cfg gives k = {config.K?.ToString() ?? "nothing"}.");
        RegisterComponents();
    }

    public int K => Config.K!.Value;

    protected override Tensor Activate(Tensor pre)
    {
        using var scope = NewDisposeScope();
        var (values, indices) = functional.relu(pre).topk(K, dim: -1);
        return zeros_like(pre).scatter(-1, indices, values).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Accumulates reconstruction error over any number of chunks (prompts), so quality over a whole run needs no
/// concatenated activation matrix: per-dimension sums give the variance about the overall mean at the end.
/// </summary>
public sealed class ReconstructionStatistics(int dIn)
{
    private readonly double[] _sum = new double[dIn];
    private double _sumSquares;
    private double _squaredError;
    private long _active;
    private long _tokens;

    /// <param name="x">activations [tokens, d_in]</param>
    /// <param name="features">their SAE features [tokens, d_sae]</param>
    /// <param name="reconstruction">the decoded features [tokens, d_in]</param>
    public void Add(Tensor x, Tensor features, Tensor reconstruction)
    {
        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32, reconstruction.device);
        var error = (x32 - reconstruction.to_type(ScalarType.Float32)).pow(2).sum().to_type(ScalarType.Float64).cpu().item<double>();
        var x64 = x32.to_type(ScalarType.Float64);
        var sums = x64.sum([0]).cpu().data<double>().ToArray();
        _squaredError += error;
        _sumSquares += x64.pow(2).sum().cpu().item<double>();
        for (int d = 0; d < sums.Length; d++)
            _sum[d] += sums[d];
        _active += features.gt(0).sum().cpu().item<long>();
        _tokens += x.shape[0];
    }

    public SaeReconstructionQuality Result()
    {
        if (_tokens == 0)
            throw new InvalidOperationException("no activations were added");
        double centred = _sumSquares - _sum.Sum(s => s * s) / _tokens;
        return new SaeReconstructionQuality(_squaredError / (_tokens * (double)_sum.Length), 1.0 - _squaredError / centred, _active / (double)_tokens, (int)_tokens);
    }
}
