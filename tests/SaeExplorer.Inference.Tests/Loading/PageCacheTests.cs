using Microsoft.Win32.SafeHandles;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Tests;

namespace SaeExplorer.Inference.Tests.Loading;

public sealed class PageCacheTests
{
    [Fact]
    public void A_file_just_written_and_read_is_resident_and_an_empty_region_has_no_answer()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "weights.bin");
        var bytes = new byte[3 << 20];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        Assert.Equal(bytes, File.ReadAllBytes(path));

        using SafeFileHandle file = File.OpenHandle(path);
        // An unaligned region inside the file: the mapping starts at the page below it.
        Assert.Equal(1.0, PageCache.ResidentFraction(file, 12_345, 2 << 20));
        Assert.Equal(1.0, PageCache.ResidentFraction(file, 0, bytes.Length));
        Assert.Null(PageCache.ResidentFraction(file, 0, 0));
    }
}
