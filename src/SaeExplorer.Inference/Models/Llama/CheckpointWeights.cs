using SaeExplorer.Inference.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Weights read from a <see cref="ModelDirectory"/>, converted to the compute dtype, on the requested device. To a
/// GPU they go through pinned staging buffers (<see cref="DeviceUpload"/>), never through a pageable host copy.
/// Dispose waits for the last copies.
/// </summary>
public sealed class CheckpointWeights(ModelDirectory directory, ScalarType dtype) : ILlamaWeights, IDisposable
{
    private readonly Dictionary<string, DeviceUpload> _uploads = [];

    public ModelDirectory Directory { get; } = directory;

    public ScalarType DType => dtype;

    public Tensor Get(string name, long[] shape, Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            var key = device.ToString();
            if (!_uploads.TryGetValue(key, out var upload))
            {
                upload = new DeviceUpload(device);
                _uploads[key] = upload;
            }
            var onDevice = Directory.ReadTensorToDevice(name, shape, upload);
            if (onDevice.dtype == dtype)
                return onDevice;
            using (onDevice)
                return onDevice.to_type(dtype);
        }
        var stored = Directory.ReadTensor(name, shape);
        if (stored.dtype == dtype && device.type == DeviceType.CPU)
            return stored;
        using (stored)
            return stored.to(dtype, device);
    }

    public void Dispose()
    {
        foreach (var u in _uploads.Values)
            u.Dispose();
        _uploads.Clear();
    }
}
