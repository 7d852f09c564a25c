using SaeExplorer.Runs.Settings;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Runtime;

/// <summary>
/// The torch device and dtype a model runs in, made once from the typed settings (<see cref="ComputeDevice"/>,
/// <see cref="ComputeDType"/>) where the model loads; this is where a CUDA device is checked to exist.
/// </summary>
public sealed record ComputeTarget(Device Device, ScalarType DType)
{
    public static ComputeTarget From(ComputeDevice device, ComputeDType dtype) => new(ToTorch(device), ToTorch(dtype));

    /// <summary>Parses user-facing names (options, settings) and checks the device.</summary>
    public static ComputeTarget Parse(string device, string dtype) => From(ComputeDevice.Parse(device), ComputeDTypes.Parse(dtype));

    public static ScalarType ToTorch(ComputeDType dtype) => dtype switch
    {
        ComputeDType.Float32 => ScalarType.Float32,
        ComputeDType.BFloat16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static ComputeDType FromTorch(ScalarType type) => type switch
    {
        ScalarType.Float32 => ComputeDType.Float32,
        ScalarType.BFloat16 => ComputeDType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "SaeExplorer computes in float32 or bfloat16."),
    };

    /// <summary>The torch device, checking that CUDA and that GPU are really there.</summary>
    public static Device ToTorch(ComputeDevice device)
    {
        if (!device.IsCuda)
            return CPU;
        if (!cuda.is_available())
            throw new SettingsException(SettingsField.Device,
                "CUDA is not available: this build runs on TorchSharp's CPU libtorch, or no GPU/driver is visible. " +
                "Use --device cpu, or build for GPU servers as the README describes.");
        if (device.Index >= cuda.device_count())
            throw new SettingsException(SettingsField.Device, $"no CUDA device '{device}': {cuda.device_count()} GPU(s) visible (cuda:0..cuda:{cuda.device_count() - 1}).");
        return new Device(DeviceType.CUDA, device.Index);
    }

    /// <summary>The devices a model is split over: <paramref name="first"/> alone, or cuda:0..K-1 for K GPUs.</summary>
    public static IReadOnlyList<Device> Devices(Device first, int gpus)
    {
        if (gpus < 1)
            throw new ArgumentException($"--gpus must be at least 1 (got {gpus}).");
        if (gpus == 1)
            return [first];
        if (first.type != DeviceType.CUDA)
            throw new ArgumentException($"--gpus {gpus} needs --device cuda.");
        if (cuda.device_count() < gpus)
            throw new ArgumentException($"--gpus {gpus}: only {cuda.device_count()} GPU(s) visible.");
        return Enumerable.Range(0, gpus).Select(i => new Device(DeviceType.CUDA, i)).ToList();
    }
}
