using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using SaeExplorer.Runs.Generation.Constraints;
using Xunit.Abstractions;

namespace SaeExplorer.Runs.Tests.Generation.Constraints;

/// <summary>Timing tests run alone: xUnit otherwise runs test classes in parallel on the same two cores.</summary>
[CollectionDefinition(nameof(ConstraintTimingCollection), DisableParallelization = true)]
public sealed class ConstraintTimingCollection;

[Collection(nameof(ConstraintTimingCollection))]
public sealed class JsonConstraintTimingTests(ITestOutputHelper output)
{
    private const int VocabularySize = 128_256, StopId = 128_009;

    /// <summary>
    /// Llama 3's shape: 128,000 byte tokens (all 256 single bytes, then random strings of 1-8 bytes, mostly printable
    /// ASCII with some UTF-8 characters, whole or cut off) and 256 special tokens without bytes, one of them the stop.
    /// Random strings share fewer prefixes than real BPE tokens, so the trie is larger than Llama's: a worst case.
    /// </summary>
    private static readonly byte[]?[] Vocabulary = Build();

    private static byte[]?[] Build()
    {
        var random = new Random(128_256);
        byte[][] characters = [.. ((string[])["é", "ü", "ß", "€", "中", "文", "😀"]).Select(Encoding.UTF8.GetBytes)];
        var tokens = new byte[]?[VocabularySize];
        for (int id = 0; id < 256; id++)
            tokens[id] = [(byte)id];
        for (int id = 256; id < 128_000; id++)
        {
            var bytes = new List<byte>();
            int length = random.Next(1, 9);
            while (bytes.Count < length)
            {
                if (random.NextDouble() < 0.9)
                    bytes.Add((byte)random.Next(0x20, 0x7F));
                else
                    bytes.AddRange(characters[random.Next(characters.Length)]);
            }
            tokens[id] = [.. bytes.Take(length)];
        }
        return tokens;
    }

    [Fact]
    public void Allowed_tokens_of_a_128k_vocabulary_take_milliseconds_and_match_trying_each_token()
    {
        var build = Stopwatch.StartNew();
        var trie = TokenTrie.For(Vocabulary);
        output.WriteLine($"trie: {trie.NodeCount:N0} nodes, built in {build.Elapsed.TotalMilliseconds:F0} ms");

        var text = JsonConstraint.FromSchema(JsonNode.Parse("""{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}""")!);
        var judge = JsonConstraint.FromSchema(JsonNode.Parse(JsonConstraintTests.JudgeSchema)!);
        static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
        var cases = new (string Name, JsonConstraint Constraint, byte[] Prefix)[]
        {
            ("inside an unbounded string", text, Utf8("{\"text\":\"Once upon a time")),
            ("inside a string, 35 of 40 characters", judge, Utf8("{\"score\":7,\"verdict\":\"A\",\"rationale\":\"" + new string('x', 35))),
            ("after a UTF-8 lead byte", text, [.. Utf8("{\"text\":\""), 0xC3]),
            ("before the object", judge, []),
            ("before a bounded integer", judge, Utf8("{\"score\":")),
            ("json_object, before a value", JsonConstraint.AnyObject(), Utf8("{\"a\":")),
            ("json_object, inside a key", JsonConstraint.AnyObject(), Utf8("{\"a\":1,\"ke")),
        };
        var mask = new bool[VocabularySize];
        foreach (var (name, constraint, prefix) in cases)
        {
            var state = constraint.CreateState(trie, [StopId]);
            Assert.True(prefix.Length == 0 || state.TryAdvance(prefix), name);

            int count = state.FillAllowed(mask);
            for (int id = 0; id < VocabularySize; id++)
            {
                bool alone = id == StopId ? state.CanStop : state.Clone().TryAdvance(id);
                Assert.True(alone == mask[id], $"{name}: token {id} alone {alone}, in the mask {mask[id]}");
            }
            // Warm, so the timings are of optimised code rather than the JIT's first tier. Timed: the trie walk (what a
            // state costs the first time any sequence reaches it) and the copy from the cache (every later time).
            for (int i = 0; i < 5; i++)
                state.FillAllowedUncached(mask);
            double Median(Func<int> fill)
            {
                var times = new List<double>();
                for (int i = 0; i < 15; i++)
                {
                    var clock = Stopwatch.StartNew();
                    fill();
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
                times.Sort();
                return times[times.Count / 2];
            }
            double median = Median(() => state.FillAllowedUncached(mask));
            double cached = Median(() => state.FillAllowed(mask));
            output.WriteLine($"{name}: {count:N0} allowed, walk median {median:F2} ms, cached median {cached:F3} ms");
            // Debug builds on a slow, shared CPU: generous, yet a walk that stepped every token one by one, or
            // allocated per trie node, would exceed it.
            Assert.InRange(median, 0, 200);
        }
    }

    [Fact]
    public void Repeated_masks_inside_a_string_come_from_the_cache_in_well_under_a_millisecond()
    {
        var trie = TokenTrie.For(Vocabulary);
        // A fresh compile: no masks cached yet.
        var judge = JsonConstraint.FromSchema(JsonNode.Parse(JsonConstraintMaskCacheTests.RubricSchema)!);
        var prefix = Encoding.UTF8.GetBytes("""{"accuracy":7,"completeness":10,"clarity":3,"usefulness":9,"rationale":""" + "\"");
        const int steps = 200, maxLength = 240;

        // Tokens of 1-8 plain characters (printable ASCII, no quote or backslash), so the walk stays in the string; the
        // lengths use up its 240 characters exactly, so the last steps pass through the states near its end.
        var plain = Enumerable.Range(0, 9)
            .Select(n => Enumerable.Range(0, VocabularySize).Where(id => Vocabulary[id] is { } t && t.Length == n && t.All(b => b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\')).ToArray())
            .ToArray();
        var random = new Random(240);
        var walk = new int[steps];
        int used = 0;
        for (int i = 0; i < steps; i++)
        {
            int longest = Math.Min(8, maxLength - used - (steps - i - 1));
            int length = i == steps - 1 ? longest : random.Next(1, longest + 1);
            walk[i] = plain[length][random.Next(plain[length].Length)];
            used += length;
        }
        Assert.Equal(maxLength, used);

        var mask = new bool[VocabularySize];
        var walked = new bool[VocabularySize];
        (double Average, double Worst) Pass(bool cached, bool check)
        {
            var state = judge.CreateState(trie, [StopId]);
            Assert.True(state.TryAdvance(prefix));
            var times = new double[steps];
            for (int i = 0; i < steps; i++)
            {
                long start = Stopwatch.GetTimestamp();
                int count = cached ? state.FillAllowed(mask) : state.FillAllowedUncached(mask);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Assert.True(mask[walk[i]], $"step {i}: token {walk[i]} refused");
                if (check)
                {
                    Assert.Equal(state.FillAllowedUncached(walked), count);
                    Assert.True(walked.AsSpan().SequenceEqual(mask), $"step {i}: the cached mask differs from the walked one");
                }
                Assert.True(state.TryAdvance(walk[i]));
            }
            // At 240 characters only the closing quote goes on.
            state.FillAllowed(mask);
            Assert.True(mask[Array.FindIndex(Vocabulary, t => t is [(byte)'"'])]);
            return (times.Average(), times.Max());
        }

        // Warm the JIT on the walk itself (without the cache, so the first cached pass still starts cold).
        for (int i = 0; i < 2; i++)
            Pass(cached: false, check: false);
        var uncached = Pass(cached: false, check: false);
        var masks = judge.MasksFor(trie)!;
        var first = Pass(cached: true, check: false);
        long firstMisses = masks.Misses;
        var second = Pass(cached: true, check: false);
        long secondMisses = masks.Misses - firstMisses;
        Pass(cached: true, check: true);

        var bits = MaskCache.Pack(mask);
        var expand = Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++)
            MaskCache.Expand(bits, VocabularySize, mask);
        double expandMs = expand.Elapsed.TotalMilliseconds / 1000;

        output.WriteLine($"{steps} steps inside a maxLength-{maxLength} string, 128k vocabulary (lookahead {masks.Lookahead} bytes):");
        output.WriteLine($"  walked every time: average {uncached.Average:F3} ms, worst {uncached.Worst:F3} ms");
        output.WriteLine($"  first pass, cache empty: average {first.Average:F3} ms, worst {first.Worst:F3} ms, {firstMisses} misses");
        output.WriteLine($"  second pass: average {second.Average:F3} ms, worst {second.Worst:F3} ms, {secondMisses} misses");
        output.WriteLine($"  expanding one cached mask: {expandMs * 1000:F1} µs; {masks.Count} masks kept");
        Assert.Equal(0, secondMisses);
        Assert.InRange(firstMisses, 1, masks.Lookahead + 2);
        Assert.InRange(second.Average, 0, 1);
        Assert.InRange(expandMs, 0, 0.5);
    }
}
