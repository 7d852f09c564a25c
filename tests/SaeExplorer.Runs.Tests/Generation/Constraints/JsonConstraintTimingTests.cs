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
            // Warm, so the timings are of optimised code rather than the JIT's first tier.
            for (int i = 0; i < 5; i++)
                state.FillAllowed(mask);
            var times = new List<double>();
            for (int i = 0; i < 15; i++)
            {
                var clock = Stopwatch.StartNew();
                state.FillAllowed(mask);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            double median = times[times.Count / 2];
            output.WriteLine($"{name}: {count:N0} allowed, median {median:F2} ms, worst {times[^1]:F2} ms");
            // Debug builds on a slow, shared CPU: generous, yet a walk that stepped every token one by one, or
            // allocated per trie node, would exceed it.
            Assert.InRange(median, 0, 200);
        }
    }
}
