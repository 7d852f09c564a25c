using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Bench.Gpu;

/// <summary>
/// GPU memory in use, read from the CUDA driver (<c>cuMemGetInfo</c>), since TorchSharp exposes no allocator
/// statistics. It counts everything on the device, PyTorch's cached blocks included, so it is an upper bound on what
/// tensors need (transformers' <c>max_memory_allocated</c> counts live tensors only).
/// </summary>
public static class DeviceMemory
{
    private delegate int MemGetInfo(out nuint free, out nuint total);

    private static readonly Lazy<MemGetInfo?> Query = new(() =>
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var lib) || !NativeLibrary.TryGetExport(lib, "cuMemGetInfo_v2", out var fn))
            return null;
        return Marshal.GetDelegateForFunctionPointer<MemGetInfo>(fn);
    });

    /// <summary>Bytes in use on <paramref name="device"/>, or null off CUDA or where the driver cannot be asked.</summary>
    public static long? UsedBytes(Device device)
    {
        if (device.type != DeviceType.CUDA || Query.Value is null)
            return null;
        // The driver answers for the calling thread's current context; touching the device makes it current.
        using (var probe = zeros(1, device: device))
            cuda.synchronize(device);
        return Query.Value(out var free, out var total) == 0 ? (long)(total - free) : null;
    }
}
