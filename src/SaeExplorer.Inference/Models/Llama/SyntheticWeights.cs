using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Random weights of the right shapes, generated directly on the target device (no files, no host copies), for
/// benchmarks with real model shapes: N(0, 0.02²) matrices, as transformers initialises Llama, and unit norm weights.
/// Activations of such a model are meaningless; their cost is the real one.
/// </summary>
public sealed class SyntheticWeights : ILlamaWeights
{
    private readonly ScalarType _dtype;

    public SyntheticWeights(ScalarType dtype, long seed = 0)
    {
        _dtype = dtype;
        // TorchSharp's Generator objects are CPU-only; seed the default generators of every device instead.
        manual_seed(seed);
        if (cuda.is_available())
            cuda.manual_seed_all(seed);
    }

    public ScalarType DType => _dtype;

    public Tensor Get(string name, long[] shape, Device device)
    {
        var dtype = _dtype;
        if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            return ones(shape, dtype, device);
        var normal = randn(shape, ScalarType.Float32, device).mul_(0.02);
        if (dtype == ScalarType.Float32)
            return normal;
        using (normal)
            return normal.to_type(dtype);
    }
}
