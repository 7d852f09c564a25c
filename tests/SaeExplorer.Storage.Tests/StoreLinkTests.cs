using System.Diagnostics;
using SaeExplorer.Tests;

namespace SaeExplorer.Storage.Tests;

/// <summary>Stores reached through links (the hardening issue, item 8): one file, one lock, whatever its name.</summary>
public sealed class StoreLinkTests
{
    private static void HardLink(string target, string link)
    {
        using var ln = Process.Start("ln", [target, link])!;
        ln.WaitForExit();
        Assert.Equal(0, ln.ExitCode);
    }

    private static string Seeded(string folder)
    {
        var path = Path.Combine(folder, "features.db");
        using var store = FeatureStore.Open(path);
        store.SetLabel(new FeatureLabel("sae", 3, "three", "", DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000)));
        return path;
    }

    [Fact]
    public void A_valid_store_opens_through_a_symlink_to_it_or_to_its_folder()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var real = Directory.CreateDirectory(Path.Combine(tmp.Path, "real")).FullName;
        var path = Seeded(real);
        var fileLink = Path.Combine(tmp.Path, "link.db");
        File.CreateSymbolicLink(fileLink, path);
        var folderLink = Path.Combine(tmp.Path, "folder-link");
        Directory.CreateSymbolicLink(folderLink, real);
        foreach (var through in new[] { fileLink, Path.Combine(folderLink, "features.db") })
        {
            using var store = FeatureStore.Open(through);
            Assert.Equal(path, store.Path);
            Assert.Equal("three", store.GetLabel("sae", 3)!.Label);
        }
        // The symlink is still a symlink: nothing was written in its place.
        Assert.NotNull(new FileInfo(fileLink).LinkTarget);
    }

    [Fact]
    public void A_store_open_under_one_name_is_refused_under_a_symlink_or_a_hard_link()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Seeded(tmp.Path);
        var symlink = Path.Combine(tmp.Path, "sym.db");
        File.CreateSymbolicLink(symlink, path);
        var hard = Path.Combine(tmp.Path, "hard.db");
        HardLink(path, hard);
        using (FeatureStore.Open(path))
        {
            Assert.Contains("already open in this process", Assert.Throws<StoreException>(() => FeatureStore.Open(symlink)).Message);
            Assert.Contains("under another name (a hard link to the same file)", Assert.Throws<StoreException>(() => FeatureStore.Open(hard)).Message);
        }
        using var again = FeatureStore.Open(hard);
        Assert.Equal("three", again.GetLabel("sae", 3)!.Label);
    }
}
