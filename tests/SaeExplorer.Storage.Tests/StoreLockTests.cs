using SaeExplorer.Tests;

namespace SaeExplorer.Storage.Tests;

/// <summary>One opener per store, checked against a real second process.</summary>
public sealed class StoreLockTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static void WaitUntilReady(TestHost host)
    {
        string? line = host.ReadLine(Wait);
        Assert.Equal($"ready {host.Id}", line);
    }

    [Fact]
    public void A_store_held_by_another_process_is_refused_with_its_pid_until_that_process_closes_it()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        using var host = TestHost.Start("hold", path);
        WaitUntilReady(host);

        var ex = Assert.Throws<StoreException>(() => FeatureStore.Open(path));

        Assert.Equal($"{path} is in use by another saex process (pid {host.Id}); wait for it or use another store file", ex.Message);
        Assert.Equal(0, host.CloseInputAndWait());
        using var store = FeatureStore.Open(path);
        Assert.Equal(0, store.PromptCount);
    }

    [Fact]
    public void A_killed_holder_does_not_block_the_next_open()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        using var host = TestHost.Start("hold", path);
        WaitUntilReady(host);

        host.Kill();

        // The lock file stays behind (by design); only the kernel's flock, gone with the process, counts.
        Assert.True(File.Exists(path + ".lock"));
        Assert.Equal($"{host.Id}\n", File.ReadAllText(path + ".lock"));
        using var store = FeatureStore.Open(path);
        store.Put("k", Testing.SyntheticPrompts.Prompt(0, tokens: 2, activePerToken: 2));
        Assert.Equal(1, store.PromptCount);
    }

    [Fact]
    public void Another_process_is_refused_while_this_one_holds_the_store()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        using (FeatureStore.Open(path))
        {
            using var host = TestHost.Start("hold", path);

            Assert.Equal(3, host.WaitForExit());
            Assert.Equal([$"error: {path} is in use by another saex process (pid {Environment.ProcessId}); wait for it or use another store file"], host.RemainingLines());
        }

        using var after = TestHost.Start("hold", path);
        WaitUntilReady(after);
        Assert.Equal(0, after.CloseInputAndWait());
    }

    [Fact]
    public void A_second_open_in_the_same_process_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        using (FeatureStore.Open(path))
        {
            var ex = Assert.Throws<StoreException>(() => FeatureStore.Open(path));
            Assert.Contains($"{path} is already open in this process", ex.Message);
        }

        using var again = FeatureStore.Open(path);
        Assert.Equal(0, again.PromptCount);
    }
}
