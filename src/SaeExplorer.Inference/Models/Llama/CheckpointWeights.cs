using SaeExplorer.Inference.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Weights read from a <see cref="ModelDirectory"/>, converted to the compute dtype, on the requested device. To a
/// GPU they go through pinned staging buffers (<see cref="DeviceUpload"/>), never through a pageable host copy.
/// Dispose waits for the last copies. Every tensor is checked for NaN and infinities on its device as it arrives
/// (one running flag per device, read once in <see cref="EnsureFinite"/>, so the check never stalls the uploads).
/// </summary>
public sealed class CheckpointWeights(ModelDirectory directory, ScalarType dtype) : ILlamaWeights, IDisposable
{
    private readonly Dictionary<string, DeviceUpload> _uploads = [];
    private readonly Dictionary<string, Tensor> _finite = [];
    private readonly List<(string Name, long[] Shape)> _read = [];

    public ModelDirectory Directory { get; } = directory;

    public ScalarType DType => dtype;

    public Tensor Get(string name, long[] shape, Device device)
    {
        var tensor = Read(name, shape, device);
        _read.Add((name, shape));
        var key = device.ToString();
        using (var all = tensor.isfinite().all())
        {
            if (_finite.TryGetValue(key, out var flag))
                flag.logical_and_(all);
            else
                _finite[key] = all.clone();
        }
        return tensor;
    }

    /// <summary>
    /// Throws naming the first tensor that holds NaN or an infinity (a damaged or crafted checkpoint gives activations
    /// that are all NaN, and every number after them is garbage). Reads one flag per device; the culprit is then found
    /// by reading the tensors again on the host, which happens only for a broken checkpoint.
    /// </summary>
    public void EnsureFinite()
    {
        if (_finite.Values.All(f => f.item<bool>()))
            return;
        foreach (var (name, shape) in _read)
        {
            using var stored = Directory.ReadTensor(name, shape);
            using var all = stored.isfinite().all();
            if (!all.item<bool>())
                throw new CheckpointException(Directory.FileOf(name), name, "holds NaN or infinite values; the checkpoint is damaged (re-download it).");
        }
        throw new CheckpointException(Directory.Path, null, "a weight became NaN or infinite when converted to the compute dtype (it overflows it); load in float32.");
    }

    private Tensor Read(string name, long[] shape, Device device)
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
        foreach (var f in _finite.Values)
            f.Dispose();
        _finite.Clear();
        foreach (var u in _uploads.Values)
            u.Dispose();
        _uploads.Clear();
    }
}
