using System.Collections.Concurrent;
using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// One embedded CUDA source compiled by NVRTC for one device's architecture (once per process) and loaded into that
/// device's primary context, PyTorch's. Kernels launch on the default stream, ordered with PyTorch's own work.
/// </summary>
internal sealed class CudaModule
{
    private static readonly ConcurrentDictionary<(string, int), Lazy<(CudaModule? Module, string? Problem)>> Loaded = new();

    private readonly CudaDriver _driver;
    private readonly IntPtr _context;
    private readonly IntPtr _module;
    private readonly ConcurrentDictionary<string, IntPtr> _functions = new();

    private CudaModule(CudaDriver driver, Nvrtc compiler, string sourceName, int ordinal)
    {
        _driver = driver;
        _context = driver.PrimaryContext(ordinal);
        var (major, minor) = driver.ComputeCapability(ordinal);
        Architecture = $"sm_{major}{minor}";
        var cubin = compiler.CompileToCubin(Source(sourceName), sourceName, Architecture);
        using (driver.Enter(_context))
            _module = driver.LoadModule(cubin);
    }

    /// <summary>The compiled target, e.g. sm_90.</summary>
    public string Architecture { get; }

    /// <summary>Set SAEX_CUDA_KERNELS=off to run everything through torch's own kernels (to compare the two).</summary>
    public static bool Enabled { get; } = !string.Equals(Environment.GetEnvironmentVariable("SAEX_CUDA_KERNELS"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>The text of an embedded source under Cuda/.</summary>
    public static string Source(string sourceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"SaeExplorer.Inference.Cuda.{sourceName}")
            ?? throw new InvalidOperationException($"the embedded {sourceName} is missing from SaeExplorer.Inference");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary><paramref name="sourceName"/> compiled for <paramref name="device"/>, or null (with the reason) off CUDA, when
    /// switched off, or without the driver or NVRTC.</summary>
    public static CudaModule? For(string sourceName, Device device, out string? problem)
    {
        if (device.type != DeviceType.CUDA)
        {
            problem = "not a CUDA device";
            return null;
        }
        if (!Enabled)
        {
            problem = "switched off by SAEX_CUDA_KERNELS=off";
            return null;
        }
        int ordinal = Math.Max(0, (int)device.index);
        (var module, problem) = Loaded.GetOrAdd((sourceName, ordinal), key => new(() => Create(key.Item1, key.Item2))).Value;
        return module;
    }

    private static (CudaModule?, string?) Create(string sourceName, int ordinal)
    {
        var driver = CudaDriver.TryGet(out var problem);
        if (driver is null)
            return (null, problem);
        var compiler = Nvrtc.TryGet(out problem);
        if (compiler is null)
            return (null, problem);
        try
        {
            return (new CudaModule(driver, compiler, sourceName, ordinal), null);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message);
        }
    }

    public IntPtr Function(string name) => _functions.GetOrAdd(name, n =>
    {
        using (_driver.Enter(_context))
            return _driver.Function(_module, n);
    });

    /// <summary>Launches <paramref name="function"/> on <paramref name="blocks"/> blocks of <paramref name="threads"/>.</summary>
    /// <param name="arguments">pointers to each kernel argument's value, in order</param>
    public unsafe void Launch(IntPtr function, uint blocks, uint threads, void** arguments)
    {
        using (_driver.Enter(_context))
            _driver.Launch(function, blocks, threads, arguments);
    }
}
