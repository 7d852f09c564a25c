using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Random weights of the right shapes, generated directly on the target device (no files, no host copies), for
/// benchmarks with real model shapes: N(0, 0.02²) matrices, as transformers initialises Llama, and unit norm weights.
/// Activations of such a model are meaningless; their cost is the real one.
/// </summary>
public sealed class SyntheticWeights(ScalarType dtype, long seed = 0) : ILlamaWeights
{
    private long _calls;

    public ScalarType DType => dtype;

    public Tensor Get(string name, long[] shape, Device device)
    {
        if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            return ones(shape, dtype, device);
        // One generator per tensor keeps the weights reproducible whatever the device split.
        using var generator = new Generator((ulong)(seed * 1_000_003 + _calls++), device);
        var normal = randn(shape, ScalarType.Float32, device, generator: generator).mul_(0.02);
        if (dtype == ScalarType.Float32)
            return normal;
        using (normal)
            return normal.to_type(dtype);
    }
}
