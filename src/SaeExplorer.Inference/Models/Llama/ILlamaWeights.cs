using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Where a Llama module gets its parameters: a checkpoint on disk, or synthetic weights built on the device for
/// benchmarks. Returns a tensor of exactly <paramref name="shape"/> in the source's compute dtype, on
/// <paramref name="device"/> (the device of the layer being built; layers may be spread over several GPUs);
/// ownership passes to the caller.
/// </summary>
public interface ILlamaWeights
{
    ScalarType DType { get; }

    Tensor Get(string name, long[] shape, Device device);
}
