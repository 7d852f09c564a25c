using SaeExplorer.Core.Exports;

using SaeExplorer.Tests;

namespace SaeExplorer.Core.Tests.Exports;

public sealed class AtomicFileTests
{
    [Fact]
    public void A_write_that_fails_leaves_the_old_file_and_no_partial()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "sub", "table.csv");
        AtomicFile.WriteAllText(path, "old\n");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half a"u8);
            throw new IOException("No space left on device");
        }));
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Equal(["table.csv"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Text_is_utf8_without_a_byte_order_mark_and_replaces_the_old_file()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "a.txt");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "δ");
        Assert.Equal([0xCE, 0xB4], File.ReadAllBytes(path));
    }
}
