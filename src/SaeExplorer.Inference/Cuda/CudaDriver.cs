using System.Runtime.InteropServices;

namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// The few CUDA driver API calls that load NVRTC-compiled code and launch it. Work is launched on the legacy default
/// stream of the device's primary context: PyTorch's runtime-API calls use that context, and TorchSharp never makes a
/// stream current, so PyTorch's kernels run on that stream too and ours are ordered between them.
/// </summary>
internal sealed unsafe class CudaDriver
{
    private const int ComputeCapabilityMajor = 75;
    private const int ComputeCapabilityMinor = 76;

    private readonly delegate* unmanaged<uint, int> _init;
    private readonly delegate* unmanaged<int*, int, int> _deviceGet;
    private readonly delegate* unmanaged<int*, int, int, int> _deviceGetAttribute;
    private readonly delegate* unmanaged<IntPtr*, int, int> _primaryContextRetain;
    private readonly delegate* unmanaged<IntPtr, int> _contextPush;
    private readonly delegate* unmanaged<IntPtr*, int> _contextPop;
    private readonly delegate* unmanaged<IntPtr*, void*, int> _moduleLoadData;
    private readonly delegate* unmanaged<IntPtr*, IntPtr, byte*, int> _moduleGetFunction;
    private readonly delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int> _launchKernel;
    private readonly delegate* unmanaged<int, byte**, int> _getErrorName;
    private readonly delegate* unmanaged<IntPtr*, uint, int> _eventCreate;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int> _eventRecord;
    private readonly delegate* unmanaged<IntPtr, int> _eventSynchronize;
    private readonly delegate* unmanaged<IntPtr, int> _eventDestroy;

    private CudaDriver(IntPtr library)
    {
        _init = (delegate* unmanaged<uint, int>)NativeLibraries.Export(library, "cuInit");
        _deviceGet = (delegate* unmanaged<int*, int, int>)NativeLibraries.Export(library, "cuDeviceGet");
        _deviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)NativeLibraries.Export(library, "cuDeviceGetAttribute");
        _primaryContextRetain = (delegate* unmanaged<IntPtr*, int, int>)NativeLibraries.Export(library, "cuDevicePrimaryCtxRetain");
        _contextPush = (delegate* unmanaged<IntPtr, int>)NativeLibraries.Export(library, "cuCtxPushCurrent_v2");
        _contextPop = (delegate* unmanaged<IntPtr*, int>)NativeLibraries.Export(library, "cuCtxPopCurrent_v2");
        _moduleLoadData = (delegate* unmanaged<IntPtr*, void*, int>)NativeLibraries.Export(library, "cuModuleLoadData");
        _moduleGetFunction = (delegate* unmanaged<IntPtr*, IntPtr, byte*, int>)NativeLibraries.Export(library, "cuModuleGetFunction");
        _launchKernel = (delegate* unmanaged<IntPtr, uint, uint, uint, uint, uint, uint, uint, IntPtr, void**, void**, int>)NativeLibraries.Export(library, "cuLaunchKernel");
        _getErrorName = (delegate* unmanaged<int, byte**, int>)NativeLibraries.Export(library, "cuGetErrorName");
        _eventCreate = (delegate* unmanaged<IntPtr*, uint, int>)NativeLibraries.Export(library, "cuEventCreate");
        _eventRecord = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibraries.Export(library, "cuEventRecord");
        _eventSynchronize = (delegate* unmanaged<IntPtr, int>)NativeLibraries.Export(library, "cuEventSynchronize");
        _eventDestroy = (delegate* unmanaged<IntPtr, int>)NativeLibraries.Export(library, "cuEventDestroy_v2");
        Check(_init(0), "cuInit");
    }

    private static readonly Lazy<(CudaDriver? Driver, string? Problem)> Shared = new(() =>
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var library))
            return (null, "the CUDA driver library libcuda.so.1 could not be loaded");
        try
        {
            return (new CudaDriver(library), null);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or InvalidOperationException)
        {
            return (null, e.Message);
        }
    });

    /// <summary>The process's driver, or null with the reason it cannot be used.</summary>
    public static CudaDriver? TryGet(out string? problem)
    {
        (var driver, problem) = Shared.Value;
        return driver;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, IntPtr> _primaryContexts = new();

    /// <summary>The device's primary context (PyTorch's), retained once per device for the life of the process.</summary>
    public IntPtr PrimaryContext(int ordinal) => _primaryContexts.GetOrAdd(ordinal, RetainPrimaryContext);

    private IntPtr RetainPrimaryContext(int ordinal)
    {
        int device;
        Check(_deviceGet(&device, ordinal), "cuDeviceGet");
        IntPtr context;
        Check(_primaryContextRetain(&context, device), "cuDevicePrimaryCtxRetain");
        return context;
    }

    public (int Major, int Minor) ComputeCapability(int ordinal)
    {
        int device, major, minor;
        Check(_deviceGet(&device, ordinal), "cuDeviceGet");
        Check(_deviceGetAttribute(&major, ComputeCapabilityMajor, device), "cuDeviceGetAttribute");
        Check(_deviceGetAttribute(&minor, ComputeCapabilityMinor, device), "cuDeviceGetAttribute");
        return (major, minor);
    }

    /// <summary>Makes <paramref name="context"/> current on this thread until the returned scope is disposed.</summary>
    public ContextScope Enter(IntPtr context)
    {
        Check(_contextPush(context), "cuCtxPushCurrent");
        return new ContextScope(this);
    }

    public IntPtr LoadModule(byte[] image)
    {
        IntPtr module;
        fixed (byte* data = image)
            Check(_moduleLoadData(&module, data), "cuModuleLoadData");
        return module;
    }

    public IntPtr Function(IntPtr module, string name)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        IntPtr function;
        fixed (byte* n = bytes)
            Check(_moduleGetFunction(&function, module, n), $"cuModuleGetFunction({name})");
        return function;
    }

    /// <summary>Launches on the legacy default stream (stream 0), where PyTorch's own kernels run.</summary>
    public void Launch(IntPtr function, uint blocks, uint threads, void** arguments) =>
        Check(_launchKernel(function, blocks, 1, 1, threads, 1, 1, 0, IntPtr.Zero, arguments, null), "cuLaunchKernel");

    // CU_EVENT_DISABLE_TIMING: the event only orders work, and untimed events are the cheapest to record and wait on.
    private const uint EventDisableTiming = 0x2;

    public IntPtr CreateEvent()
    {
        IntPtr cuEvent;
        Check(_eventCreate(&cuEvent, EventDisableTiming), "cuEventCreate");
        return cuEvent;
    }

    /// <summary>Marks the point the legacy default stream has reached (everything enqueued so far).</summary>
    public void RecordEvent(IntPtr cuEvent) => Check(_eventRecord(cuEvent, IntPtr.Zero), "cuEventRecord");

    /// <summary>Blocks until the work before the event's last record has finished (at once if never recorded).</summary>
    public void WaitEvent(IntPtr cuEvent) => Check(_eventSynchronize(cuEvent), "cuEventSynchronize");

    public void DestroyEvent(IntPtr cuEvent) => Check(_eventDestroy(cuEvent), "cuEventDestroy");

    private void Check(int result, string call)
    {
        if (result == 0)
            return;
        byte* name = null;
        string text = _getErrorName is not null && _getErrorName(result, &name) == 0 && name is not null
            ? Marshal.PtrToStringAnsi((IntPtr)name) ?? result.ToString()
            : result.ToString();
        throw new InvalidOperationException($"{call} failed: {text} ({result})");
    }

    public readonly struct ContextScope(CudaDriver driver) : IDisposable
    {
        public void Dispose()
        {
            IntPtr popped;
            driver.Check(driver._contextPop(&popped), "cuCtxPopCurrent");
        }
    }
}
