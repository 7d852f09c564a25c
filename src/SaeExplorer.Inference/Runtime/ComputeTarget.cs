using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Runtime;

/// <summary>The device and dtype a model runs in, parsed from user-facing names with clear refusals.</summary>
public sealed record ComputeTarget(Device Device, ScalarType DType)
{
    public static readonly string[] DTypeNames = ["float32", "bfloat16"];

    public static ScalarType ParseDType(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"unknown dtype '{name}'; use float32 or bfloat16."),
    };

    public static string DTypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        _ => type.ToString(),
    };

    /// <summary>Parses "cpu", "cuda" or "cuda:N", checking that CUDA is really there.</summary>
    public static Device ParseDevice(string name)
    {
        var value = name.Trim().ToLowerInvariant();
        if (value == "cpu")
            return CPU;
        if (value == "cuda" || value.StartsWith("cuda:"))
        {
            if (!cuda.is_available())
                throw new ArgumentException(
                    "CUDA is not available: this build runs on TorchSharp's CPU libtorch, or no GPU/driver is visible. " +
                    "Use --device cpu, or build for GPU servers as the README describes.");
            int index = 0;
            if (value.Length > 4 && (!int.TryParse(value[5..], out index) || index < 0 || index >= cuda.device_count()))
                throw new ArgumentException($"no CUDA device '{name}': {cuda.device_count()} GPU(s) visible (cuda:0..cuda:{cuda.device_count() - 1}).");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"unknown device '{name}'; use cpu, cuda or cuda:N.");
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

    public static ComputeTarget Parse(string device, string dtype) => new(ParseDevice(device), ParseDType(dtype));
}
