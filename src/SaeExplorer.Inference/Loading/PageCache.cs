using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SaeExplorer.Inference.Loading;

/// <summary>
/// Whether a file region is already in the page cache (mincore on a mapping that is never touched, so asking reads
/// nothing). Reading from memory wants many threads; reading from disk wants few, since more parallel requests made
/// the cold load slower on the GPU machine's disk (bench/results/2026-11-26-gpu-summary.md).
/// </summary>
internal static partial class PageCache
{
    private const int ProtRead = 0x1;
    private const int MapShared = 0x01;
    private static readonly IntPtr MapFailed = new(-1);
    private static readonly long PageSize = Environment.SystemPageSize;

    [LibraryImport("libc", SetLastError = true)]
    private static partial IntPtr mmap(IntPtr address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(IntPtr address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int mincore(IntPtr address, nuint length, byte* residency);

    /// <summary>The share (0–1) of the region's pages in memory, or null where it cannot be told (not Linux, a failed call).</summary>
    public static unsafe double? ResidentFraction(SafeFileHandle file, long offset, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0)
            return null;
        long start = offset / PageSize * PageSize;
        long span = offset + length - start;
        long pages = (span + PageSize - 1) / PageSize;
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var address = mmap(IntPtr.Zero, (nuint)span, ProtRead, MapShared, (int)file.DangerousGetHandle(), start);
            if (address == MapFailed)
                return null;
            try
            {
                var residency = new byte[pages];
                fixed (byte* vector = residency)
                {
                    if (mincore(address, (nuint)span, vector) != 0)
                        return null;
                }
                long resident = 0;
                foreach (var page in residency)
                    resident += page & 1;
                return resident / (double)pages;
            }
            finally
            {
                munmap(address, (nuint)span);
            }
        }
        finally
        {
            if (added)
                file.DangerousRelease();
        }
    }
}
