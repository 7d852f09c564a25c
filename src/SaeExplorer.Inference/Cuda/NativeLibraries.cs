using System.Runtime.InteropServices;

namespace SaeExplorer.Inference.Cuda;

/// <summary>Finds shared libraries the way the CUDA stack in this process already found them.</summary>
internal static class NativeLibraries
{
    /// <summary>
    /// Folders of the libraries mapped into this process whose file name starts with one of
    /// <paramref name="prefixes"/> (from /proc/self/maps): where libtorch_cuda came from, its NVRTC usually sits beside
    /// it or in the pip wheel's nvidia/… folder next to it.
    /// </summary>
    public static IReadOnlyList<string> LoadedFolders(params string[] prefixes)
    {
        var folders = new List<string>();
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0)
                    continue;
                var path = line[slash..];
                var name = Path.GetFileName(path);
                if (prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) && Path.GetDirectoryName(path) is { } folder && !folders.Contains(folder))
                    folders.Add(folder);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return folders;
    }

    /// <summary>Loads the first of <paramref name="candidates"/> that loads (names go through the loader's search path).</summary>
    public static IntPtr TryLoadFirst(IEnumerable<string> candidates, out string? loaded)
    {
        foreach (var candidate in candidates)
        {
            if (NativeLibrary.TryLoad(candidate, out var handle))
            {
                loaded = candidate;
                return handle;
            }
        }
        loaded = null;
        return IntPtr.Zero;
    }

    public static unsafe void* Export(IntPtr library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? (void*)address
            : throw new EntryPointNotFoundException($"{name} is missing from the loaded CUDA library");
}
