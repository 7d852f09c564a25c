using SaeExplorer.Core.Experiments;
using System.Diagnostics;
using SaeExplorer.Storage.Testing;
using SaeExplorer.Tests;
using Xunit.Abstractions;

namespace SaeExplorer.Storage.Tests;

/// <summary>
/// A writer process is SIGKILLed mid-run, again and again on the same store, each new writer resuming where the
/// last one died. After every kill the store must open, and hold exactly the prompts the writer acknowledged, plus
/// at most the one it was writing — each complete.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int PromptsToWrite = 1000;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public void Killed_writers_leave_only_whole_acknowledged_prompts()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        string logPath = Path.Combine(tmp.Path, "features-log.db");
        var keyToNumber = new Dictionary<string, int>();
        // Generated once: regenerating every stored prompt after every kill cost seconds per round.
        var expectedPrompts = new Dictionary<int, CachedPrompt>();
        int acknowledged = 0;
        var clock = Stopwatch.StartNew();

        // Kill points: right after open (nothing written yet), then after 1, 6, 19 and 40 more acknowledged writes
        // (the writer runs on while the kill is on its way, so more get acknowledged).
        foreach (int killAfter in new[] { 0, 1, 6, 19, 40 })
        {
            using var writer = TestHost.Start("write", path, PromptsToWrite.ToString());
            Assert.Equal($"ready {writer.Id}", writer.ReadLine(Wait));
            int seen = 0;
            while (seen < killAfter)
            {
                string? line = writer.ReadLine(Wait);
                Assert.NotNull(line);
                Assert.Equal($"committed {acknowledged}", line);
                acknowledged++;
                seen++;
            }

            writer.Kill();

            // Lines the writer printed before it died are still in the pipe: they were acknowledged too.
            foreach (string line in writer.RemainingLines())
            {
                Assert.Equal($"committed {acknowledged}", line);
                acknowledged++;
            }
            long logBytes = File.Exists(logPath) ? new FileInfo(logPath).Length : 0;
            if (acknowledged > 0)
                Assert.True(logBytes > 0, "the kill left the latest commits in the write-ahead log only, so reopening must replay it");

            using var store = FeatureStore.Open(path);
            for (int i = keyToNumber.Count; i <= acknowledged + 1; i++)
            {
                expectedPrompts[i] = SyntheticPrompts.WriterPrompt(i);
                keyToNumber[SyntheticPrompts.Key(expectedPrompts[i])] = i;
            }
            var stored = store.StoredKeys().Select(k => keyToNumber[k]).Order().ToList();
            output.WriteLine($"kill after {killAfter} new writes: {acknowledged} acknowledged in all, {stored.Count} stored, " +
                             $"log {logBytes:N0} bytes before reopening, {clock.ElapsedMilliseconds} ms so far");

            Assert.InRange(stored.Count, acknowledged, acknowledged + 1);
            Assert.Equal(Enumerable.Range(0, stored.Count), stored);
            foreach (int number in stored)
            {
                var expected = expectedPrompts[number];
                Assert.True(store.TryGet(SyntheticPrompts.Key(expected), out var actual));
                FeatureStoreTests.AssertSamePrompt(expected, actual);
            }
            Assert.Equal(stored.Count, store.PromptCount);
            // The next writer resumes from here; the half-written prompt (if any) counts as acknowledged from now on.
            acknowledged = stored.Count;
        }

        Assert.True(acknowledged >= 66, $"only {acknowledged} prompts were written");
    }

    /// <summary>
    /// Runs a writer, kills it after <paramref name="acknowledgedWrites"/> acknowledged prompts, and returns how many
    /// were acknowledged in all (the last lines may arrive after the kill).
    /// </summary>
    private static int WriteAndKill(string path, int acknowledgedWrites)
    {
        using var writer = TestHost.Start("write", path, PromptsToWrite.ToString());
        Assert.Equal($"ready {writer.Id}", writer.ReadLine(Wait));
        for (int i = 0; i < acknowledgedWrites; i++)
            Assert.Equal($"committed {i}", writer.ReadLine(Wait));
        writer.Kill();
        return acknowledgedWrites + writer.RemainingLines().Count;
    }

    private static void AssertWholePrefix(FeatureStore store, int atLeast, int atMost)
    {
        var keyToNumber = Enumerable.Range(0, atMost + 1).ToDictionary(SyntheticPrompts.WriterKey);
        var stored = store.StoredKeys().Select(k => keyToNumber[k]).Order().ToList();
        Assert.InRange(stored.Count, atLeast, atMost);
        Assert.Equal(Enumerable.Range(0, stored.Count), stored);
        foreach (int number in stored)
        {
            Assert.True(store.TryGet(SyntheticPrompts.WriterKey(number), out var actual));
            FeatureStoreTests.AssertSamePrompt(SyntheticPrompts.WriterPrompt(number), actual);
        }
    }

    [Fact]
    public void A_torn_last_log_page_drops_only_the_transaction_it_belonged_to()
    {
        // A SIGKILL can cut a write(2) short at a 4 KiB page-cache boundary, leaving half of LiteDB's last 8 KiB log
        // page. LiteDB then treats the transaction whose confirming page that was as never committed.
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        string logPath = Path.Combine(tmp.Path, "features-log.db");
        int acknowledged = WriteAndKill(path, 3);
        long logBytes = new FileInfo(logPath).Length;
        Assert.Equal(0, logBytes % 8192);
        using (var log = new FileStream(logPath, FileMode.Open))
            log.SetLength(logBytes - 4096);

        using var store = FeatureStore.Open(path);

        AssertWholePrefix(store, acknowledged - 1, acknowledged + 1);
    }

    [Fact]
    public void A_half_written_data_page_from_an_interrupted_checkpoint_is_repaired_from_the_log()
    {
        // A checkpoint copies log pages into the data file and only then empties the log; a kill in between can leave
        // the data file ending in half a page, which the still complete log rewrites on the next open.
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        int acknowledged = WriteAndKill(path, 5);
        using (var data = new FileStream(path, FileMode.Append))
            data.Write(new byte[4096]);

        using var store = FeatureStore.Open(path);

        AssertWholePrefix(store, acknowledged, acknowledged + 1);
    }
}
