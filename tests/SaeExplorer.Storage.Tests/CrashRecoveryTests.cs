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
        int acknowledged = 0;
        var clock = Stopwatch.StartNew();

        // Kill points: right after open (nothing written yet), then after 1, 9, 30 and 75 more acknowledged writes.
        foreach (int killAfter in new[] { 0, 1, 9, 30, 75 })
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
                keyToNumber[SyntheticPrompts.Key(i)] = i;
            var stored = store.StoredKeys().Select(k => keyToNumber[k]).Order().ToList();
            output.WriteLine($"kill after {killAfter} new writes: {acknowledged} acknowledged in all, {stored.Count} stored, " +
                             $"log {logBytes:N0} bytes before reopening, {clock.ElapsedMilliseconds} ms so far");

            Assert.InRange(stored.Count, acknowledged, acknowledged + 1);
            Assert.Equal(Enumerable.Range(0, stored.Count), stored);
            foreach (int number in stored)
            {
                var expected = SyntheticPrompts.Prompt(number);
                Assert.True(store.TryGetFeatures(SyntheticPrompts.Key(expected), out var actual));
                FeatureStoreTests.AssertSamePrompt(expected, actual);
            }
            Assert.Equal(stored.Count, store.PromptCount);
            // The next writer resumes from here; the half-written prompt (if any) counts as acknowledged from now on.
            acknowledged = stored.Count;
        }

        Assert.True(acknowledged >= 115, $"only {acknowledged} prompts were written");
    }
}
