using SaeExplorer.Inference.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>Weights read from a <see cref="ModelDirectory"/>, converted to the compute dtype and moved to the device.</summary>
public sealed class CheckpointWeights(ModelDirectory directory, ScalarType dtype) : ILlamaWeights
{
    public ModelDirectory Directory { get; } = directory;

    public ScalarType DType => dtype;

    public Tensor Get(string name, long[] shape, Device device)
    {
        var stored = Directory.ReadTensor(name, shape);
        if (stored.dtype == dtype && device.type == DeviceType.CPU)
            return stored;
        using (stored)
            return stored.to(dtype, device);
    }
}
