using System.Runtime.InteropServices;

namespace SaeExplorer.Core.Fingerprints;

/// <summary>
/// Which file a path names, by the file system's identity (device and inode), so two different paths to one file — a
/// symlink, a hard link, "dir/../file" — are seen as one. Used to refuse an output that is one of the command's inputs
/// before anything is written.
/// </summary>
public static class FileIdentity
{
    /// <summary>(device, inode) of an existing file or folder, following symlinks; null when it does not exist or cannot be read.</summary>
    public static (ulong Device, ulong Inode)? Of(string path)
    {
        // struct stat begins with st_dev then st_ino, 8 bytes each, on both 64-bit Linux ABIs (x86-64 and AArch64), the
        // platforms SaeExplorer ships for; the buffer is larger than either struct.
        var buffer = new byte[256];
        if (path.Contains('\0') || Stat(path, buffer) != 0)
            return null;
        return (BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
    }

    /// <summary>
    /// The absolute path with every symlink resolved (the file's own name and every folder above it); for a path that
    /// does not exist yet, its folder resolved and the name kept. Two spellings of one file give one real path.
    /// </summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        if (Resolve(full) is { } real)
            return real;
        var folder = Path.GetDirectoryName(full);
        return folder is not null && Resolve(folder) is { } realFolder ? Path.Combine(realFolder, Path.GetFileName(full)) : full;
    }

    private static string? Resolve(string path)
    {
        if (path.Contains('\0'))
            return null;
        var resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
            return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>
    /// Refuses (before anything is written) an output path that names one of the inputs — a file, or any file inside an
    /// input folder — however it is spelled.
    /// </summary>
    /// <param name="option">the option that named the output, for the message (e.g. "--out")</param>
    public static void RefuseOverwrite(string output, string option, params IEnumerable<string> inputs)
    {
        if (Of(output) is not { } target)
            return;
        foreach (var input in inputs)
        {
            var files = Directory.Exists(input) ? Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Prepend(input) : [input];
            foreach (var file in files)
            {
                if (Of(file) == target)
                    throw new ArgumentException($"{option} {output} is {(file == input ? "" : "inside ")}{input}, an input of this command: writing it would destroy that input. Choose another path.");
            }
        }
    }

    // DllImport rather than LibraryImport: the source-generated stub needs unsafe code, which Core does not allow.
    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr RealPathNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);
}
