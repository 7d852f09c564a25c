using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Where a Llama module gets its parameters: a checkpoint on disk, or synthetic weights built on the device for
/// benchmarks. Returns a tensor of exactly <paramref name="shape"/>, already in the compute dtype and on the
/// compute device; ownership passes to the caller.
/// </summary>
public interface ILlamaWeights
{
    Tensor Get(string name, long[] shape);
}
