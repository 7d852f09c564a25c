using SaeExplorer.Storage.Testing;
using SaeExplorer.Tests;

namespace SaeExplorer.Storage.Tests;

/// <summary>
/// A store that runs out of room mid-run (#15 item 5): the writer must report the full disk naming the store, in one
/// line, and lose nothing it acknowledged. LiteDB leaves its engine holding a lock after the failed write; closing the
/// store used to checkpoint anyway and die with "Write lock may not be acquired with read lock held", hiding the cause.
/// </summary>
public sealed class DiskFullTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_store_that_cannot_grow_fails_with_one_line_naming_it_and_a_rerun_completes_it()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        const int toWrite = 40;

        int acknowledged = 0;
        using (var writer = TestHost.StartWithFileSizeLimit(2048, "write", path, toWrite.ToString()))
        {
            Assert.Equal($"ready {writer.Id}", writer.ReadLine(Wait));
            string? line;
            while ((line = writer.ReadLine(Wait)) is not null && line.StartsWith("committed ", StringComparison.Ordinal))
                Assert.Equal($"committed {acknowledged++}", line);

            // The host prints a StoreException's message after "error: " and exits 3; anything else escaping crashes it.
            Assert.NotNull(line);
            Assert.StartsWith($"error: the file system refused to let {path} grow (", line);
            Assert.EndsWith("then run again: everything stored before is kept", line);
            Assert.Equal(3, writer.WaitForExit());
        }
        Assert.InRange(acknowledged, 1, toWrite - 1);

        using (var store = FeatureStore.Open(path))
        {
            var stored = store.StoredKeys().ToHashSet();
            Assert.Equal(acknowledged, stored.Count);
            for (int i = 0; i < acknowledged; i++)
            {
                Assert.True(store.TryGet(SyntheticPrompts.WriterKey(i), out var actual));
                FeatureStoreTests.AssertSamePrompt(SyntheticPrompts.WriterPrompt(i), actual);
            }
        }

        using (var writer = TestHost.Start("write", path, toWrite.ToString()))
        {
            Assert.Equal($"ready {writer.Id}", writer.ReadLine(Wait));
            for (int i = acknowledged; i < toWrite; i++)
                Assert.Equal($"committed {i}", writer.ReadLine(Wait));
            Assert.Equal("done", writer.ReadLine(Wait));
            Assert.Equal(0, writer.WaitForExit());
        }
        using var completed = FeatureStore.Open(path);
        Assert.Equal(toWrite, completed.PromptCount);
    }
}
