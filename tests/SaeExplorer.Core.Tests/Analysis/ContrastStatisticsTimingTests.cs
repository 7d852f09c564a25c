using System.Diagnostics;
using System.Reflection;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using Xunit.Abstractions;

namespace SaeExplorer.Core.Tests.Analysis;

/// <summary>Timing tests run alone: xUnit otherwise runs test classes in parallel on the same two cores.</summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection;

[Collection(nameof(TimingCollection))]
public sealed class ContrastStatisticsTimingTests(ITestOutputHelper output)
{
    /// <summary>
    /// 6 conditions × 50 topics = 300 prompts, 120 active latents each, all below 4,096: 40 from a pool of 400 common
    /// latents (so some latents are active in many prompts and their ranking is real work) and 80 uniform.
    /// </summary>
    private static List<PooledPrompt> Prompts(int featureCount)
    {
        var rng = new Random(12345);
        var prompts = new List<PooledPrompt>();
        for (int c = 0; c < 6; c++)
        {
            for (int t = 0; t < 50; t++)
            {
                var set = new SortedDictionary<int, float>();
                while (set.Count < 40)
                    set[rng.Next(400 + c * 20)] = (float)(rng.NextDouble() * 10);
                while (set.Count < 120)
                    set[rng.Next(4096)] = (float)(rng.NextDouble() * 10);
                prompts.Add(new PooledPrompt($"c{c}/t{t}", $"c{c}", $"t{t}", new SparseVector(featureCount, [.. set.Keys], [.. set.Values])));
            }
        }
        return prompts;
    }

    [Fact]
    public void The_cost_follows_the_active_latents_not_the_sae_width()
    {
        // The same active latents in a 4,096-wide and a 65,536-wide SAE: the work on active latents is identical, so a
        // 16× wider SAE may cost only what is proportional to d_sae (a few arrays). A dense O(d_sae × prompts) pass would
        // take ~16× longer; the bound (4×, plus 20 ms for the allocations) holds on a loaded machine and catches that.
        var narrow = Prompts(4096);
        var wide = Prompts(65_536);
        var contrast = new Contrast("c0", null);
        double Best(List<PooledPrompt> prompts, out ContrastStatisticsReport report)
        {
            var first = ContrastStatistics.Compute(prompts, contrast);
            var times = new List<double>();
            ContrastStatisticsReport? last = null;
            for (int i = 0; i < 3; i++)
            {
                var sw = Stopwatch.StartNew();
                last = ContrastStatistics.Compute(prompts, contrast);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            report = last!;
            Assert.Equal(ContrastStatistics.ToJson(first), ContrastStatistics.ToJson(report));
            return times.Min();
        }
        double narrowMs = Best(narrow, out var narrowReport);
        double wideMs = Best(wide, out var wideReport);
        bool optimized = typeof(ContrastStatistics).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        output.WriteLine($"ContrastStatistics ({(optimized ? "optimised JIT" : "Debug build, JIT optimiser off")}), 300 prompts c0 vs rest, " +
            $"paired over 50 topics, 2,000 bootstrap resamples: d_sae 4,096 {narrowMs:F1} ms, d_sae 65,536 {wideMs:F1} ms; tested {wideReport.TestedCount} latents");

        Assert.Equal(300, wideReport.A.PromptCount + wideReport.B.PromptCount);
        Assert.Equal(50, wideReport.PairedTopicCount);
        Assert.Equal(narrowReport.TestedCount, wideReport.TestedCount);
        Assert.InRange(wideReport.TestedCount, 1_000, 4096);
        Assert.True(wideMs < 4 * narrowMs + 20, $"d_sae 65,536 took {wideMs:F1} ms against {narrowMs:F1} ms for 4,096");
    }
}
