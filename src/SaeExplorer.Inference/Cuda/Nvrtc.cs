using System.Runtime.InteropServices;
using System.Text;

namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// CUDA's run-time compiler. Every CUDA build of PyTorch ships it (the pip wheels in nvidia/cu13/lib or
/// nvidia/cuda_nvrtc/lib beside torch, libtorch archives in their lib folder), so kernels compile on the user's GPU
/// server for that server's card with no toolkit installed. SAEX_NVRTC names the library where it lives elsewhere.
/// </summary>
internal sealed unsafe class Nvrtc
{
    private readonly delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int> _createProgram;
    private readonly delegate* unmanaged<IntPtr, int, byte**, int> _compileProgram;
    private readonly delegate* unmanaged<IntPtr, nuint*, int> _getLogSize;
    private readonly delegate* unmanaged<IntPtr, byte*, int> _getLog;
    private readonly delegate* unmanaged<IntPtr, nuint*, int> _getCubinSize;
    private readonly delegate* unmanaged<IntPtr, byte*, int> _getCubin;
    private readonly delegate* unmanaged<IntPtr*, int> _destroyProgram;
    private readonly delegate* unmanaged<int, byte*> _getErrorString;

    private Nvrtc(IntPtr library, string path)
    {
        Path = path;
        _createProgram = (delegate* unmanaged<IntPtr*, byte*, byte*, int, byte**, byte**, int>)NativeLibraries.Export(library, "nvrtcCreateProgram");
        _compileProgram = (delegate* unmanaged<IntPtr, int, byte**, int>)NativeLibraries.Export(library, "nvrtcCompileProgram");
        _getLogSize = (delegate* unmanaged<IntPtr, nuint*, int>)NativeLibraries.Export(library, "nvrtcGetProgramLogSize");
        _getLog = (delegate* unmanaged<IntPtr, byte*, int>)NativeLibraries.Export(library, "nvrtcGetProgramLog");
        _getCubinSize = (delegate* unmanaged<IntPtr, nuint*, int>)NativeLibraries.Export(library, "nvrtcGetCUBINSize");
        _getCubin = (delegate* unmanaged<IntPtr, byte*, int>)NativeLibraries.Export(library, "nvrtcGetCUBIN");
        _destroyProgram = (delegate* unmanaged<IntPtr*, int>)NativeLibraries.Export(library, "nvrtcDestroyProgram");
        _getErrorString = (delegate* unmanaged<int, byte*>)NativeLibraries.Export(library, "nvrtcGetErrorString");
    }

    /// <summary>The library file (or name) that was loaded.</summary>
    public string Path { get; }

    private static readonly Lazy<(Nvrtc? Compiler, string? Problem)> Shared = new(Load);

    public static Nvrtc? TryGet(out string? problem)
    {
        (var compiler, problem) = Shared.Value;
        return compiler;
    }

    /// <summary>Where NVRTC may be, most specific first.</summary>
    internal static IEnumerable<string> Candidates(string? overridePath, IReadOnlyList<string> torchFolders)
    {
        if (!string.IsNullOrEmpty(overridePath))
        {
            yield return overridePath;
            yield break;
        }
        foreach (var folder in torchFolders)
        {
            // libtorch's own lib folder (libtorch archives, TorchSharp-cuda), then the pip wheels' layouts beside torch/lib.
            foreach (var place in new[] { folder, System.IO.Path.Combine(folder, "..", "..", "nvidia", "cu13", "lib"), System.IO.Path.Combine(folder, "..", "..", "nvidia", "cuda_nvrtc", "lib") })
            {
                if (!Directory.Exists(place))
                    continue;
                foreach (var file in Directory.EnumerateFiles(place, "libnvrtc*.so*").Where(IsCompilerLibrary).OrderBy(f => f, StringComparer.Ordinal))
                    yield return System.IO.Path.GetFullPath(file);
            }
        }
        foreach (var name in new[] { "libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2" })
            yield return name;
    }

    // libnvrtc-builtins is loaded by libnvrtc itself; the ".alt" builds are alternative ABI copies of the same library.
    private static bool IsCompilerLibrary(string file)
    {
        var name = System.IO.Path.GetFileName(file);
        return !name.Contains("builtins", StringComparison.Ordinal) && !name.Contains(".alt.", StringComparison.Ordinal);
    }

    private static (Nvrtc?, string?) Load()
    {
        var torchFolders = NativeLibraries.LoadedFolders("libtorch_cuda", "libcudart", "libc10_cuda");
        var candidates = Candidates(Environment.GetEnvironmentVariable("SAEX_NVRTC"), torchFolders).ToList();
        var library = NativeLibraries.TryLoadFirst(candidates, out var loaded);
        if (library == IntPtr.Zero)
            return (null, $"NVRTC (libnvrtc) was not found (looked for {string.Join(", ", candidates)}); set SAEX_NVRTC to its path");
        // libnvrtc opens its builtins library by name; where it lives beside libnvrtc outside the loader's path, load
        // it first so that the name resolves to the copy already in the process.
        if (System.IO.Path.GetDirectoryName(loaded) is { Length: > 0 } folder)
        {
            foreach (var builtins in Directory.EnumerateFiles(folder, "libnvrtc-builtins*.so*").Where(f => !f.Contains(".alt.", StringComparison.Ordinal)))
                NativeLibrary.TryLoad(builtins, out _);
        }
        try
        {
            return (new Nvrtc(library, loaded!), null);
        }
        catch (EntryPointNotFoundException e)
        {
            return (null, $"{loaded}: {e.Message}");
        }
    }

    /// <summary>Compiles CUDA C++ to a cubin for <paramref name="architecture"/> (e.g. "sm_90").</summary>
    public byte[] CompileToCubin(string source, string name, string architecture)
    {
        IntPtr program;
        fixed (byte* src = Utf8(source))
        fixed (byte* file = Utf8(name))
            Check(_createProgram(&program, src, file, 0, null, null), "nvrtcCreateProgram");
        try
        {
            var options = new[] { Utf8($"--gpu-architecture={architecture}"), Utf8("--std=c++17") };
            var handles = options.Select(o => GCHandle.Alloc(o, GCHandleType.Pinned)).ToArray();
            try
            {
                var pointers = stackalloc byte*[options.Length];
                for (int i = 0; i < options.Length; i++)
                    pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                int result = _compileProgram(program, options.Length, pointers);
                if (result != 0)
                    throw new InvalidOperationException($"NVRTC could not compile {name} for {architecture}: {ErrorString(result)}\n{Log(program)}");
            }
            finally
            {
                foreach (var handle in handles)
                    handle.Free();
            }
            nuint size;
            Check(_getCubinSize(program, &size), "nvrtcGetCUBINSize");
            var cubin = new byte[(int)size];
            fixed (byte* data = cubin)
                Check(_getCubin(program, data), "nvrtcGetCUBIN");
            return cubin;
        }
        finally
        {
            _destroyProgram(&program);
        }
    }

    private string Log(IntPtr program)
    {
        nuint size;
        if (_getLogSize(program, &size) != 0 || size <= 1)
            return "";
        var log = new byte[(int)size];
        fixed (byte* data = log)
            _getLog(program, data);
        return Encoding.UTF8.GetString(log, 0, log.Length - 1);
    }

    private string ErrorString(int result) => Marshal.PtrToStringAnsi((IntPtr)_getErrorString(result)) ?? result.ToString();

    private void Check(int result, string call)
    {
        if (result != 0)
            throw new InvalidOperationException($"{call} failed: {ErrorString(result)}");
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");
}
