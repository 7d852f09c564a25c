using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Runs.Generation.Constraints;
using static SaeExplorer.Runs.Tests.Generation.Constraints.SyntheticVocabulary;

namespace SaeExplorer.Runs.Tests.Generation.Constraints;

/// <summary>
/// Random decoding: from the synthetic vocabulary, each walk picks uniformly among the allowed tokens until it picks
/// the stop token. At every step the mask (from the constraint's cache after the first walks, which all share it) must
/// equal the trie walked afresh and trying every token on its own, some token must be allowed, and every finished text
/// must be valid UTF-8 and JSON that matches the schema, checked here by hand.
/// </summary>
public sealed class JsonConstraintRandomWalkTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One walk: the bytes written and the tokens taken (the stop included), or null bytes if it hit the step cap.</summary>
    private static (byte[]? Text, int Steps) Walk(JsonConstraint constraint, Random random, int maxSteps)
    {
        var state = Start(constraint);
        var text = new List<byte>();
        var mask = new bool[Tokens.Length];
        var walked = new bool[Tokens.Length];
        for (int step = 1; step <= maxSteps; step++)
        {
            int count = state.FillAllowed(mask);
            Assert.Equal(state.FillAllowedUncached(walked), count);
            Assert.True(walked.AsSpan().SequenceEqual(mask), $"after '{Encoding.UTF8.GetString([.. text])}' the cached mask differs from the walked one");
            for (int id = 0; id < Tokens.Length; id++)
            {
                bool alone = id == Stop ? state.CanStop : state.Clone().TryAdvance(id);
                Assert.True(alone == mask[id], $"after '{Encoding.UTF8.GetString([.. text])}' the mask says {mask[id]} for {Name(id)}");
            }
            Assert.True(count > 0, $"no token allowed after '{Encoding.UTF8.GetString([.. text])}'");
            Assert.Equal(count, mask.Count(a => a));
            var allowed = Enumerable.Range(0, Tokens.Length).Where(id => mask[id]).ToArray();
            int chosen = allowed[random.Next(allowed.Length)];
            if (chosen == Stop)
                return ([.. text], step);
            Assert.True(state.TryAdvance(chosen));
            text.AddRange(Tokens[chosen]!);
        }
        return (null, maxSteps);
    }

    private static JsonElement Parse(byte[] text)
    {
        StrictUtf8.GetString(text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static int Characters(JsonElement s) => s.GetString()!.EnumerateRunes().Count();

    private static void IntegerIn(JsonElement value, long min, long max)
    {
        Assert.Equal(JsonValueKind.Number, value.ValueKind);
        long n = value.GetInt64();
        Assert.InRange(n, min, max);
        // No leading zeros, no "-0", no fraction or exponent: the text is the integer's own.
        Assert.Equal(n.ToString(System.Globalization.CultureInfo.InvariantCulture), value.GetRawText());
    }

    [Fact]
    public void Walks_through_the_judge_schema_end_valid_and_within_the_bound()
    {
        // The longest text: {"score": (9) + 10 (2) + ,"verdict": (11) + "tie" (5) + ,"rationale": (13) + 40 characters
        // of at most 6 bytes (\uXXXX) between quotes (242) + } (1) = 283 bytes. A token has at least one byte, so a
        // walk takes at most 283 tokens and the stop.
        const int bound = 283 + 1;
        var constraint = JsonConstraint.FromSchema(JsonNode.Parse(JsonConstraintTests.JudgeSchema)!);
        var random = new Random(20240611);
        var verdicts = new HashSet<string>();
        for (int walk = 0; walk < 300; walk++)
        {
            var (text, steps) = Walk(constraint, random, bound);
            Assert.NotNull(text);
            Assert.InRange(steps, 1, bound);
            var root = Parse(text);
            Assert.Equal(["score", "verdict", "rationale"], root.EnumerateObject().Select(p => p.Name));
            IntegerIn(root.GetProperty("score"), 1, 10);
            Assert.Contains(root.GetProperty("verdict").GetString(), (string[])["A", "B", "tie"]);
            Assert.InRange(Characters(root.GetProperty("rationale")), 0, 40);
            verdicts.Add(root.GetProperty("verdict").GetString()!);
        }
        Assert.Equal(3, verdicts.Count);
        // Most steps came from the cache: the walks share one compiled constraint.
        var masks = constraint.MasksFor(Trie)!;
        Assert.True(masks.Hits > 10 * masks.Misses, $"{masks.Hits} hits, {masks.Misses} misses");
    }

    [Fact]
    public void Walks_through_optional_properties_arrays_choices_and_numbers_end_valid_and_within_the_bound()
    {
        const string schema = """
            {"type":"object","properties":{
              "tags":{"type":"array","items":{"type":"string","maxLength":5},"minItems":1,"maxItems":3},
              "note":{"type":["string","null"],"maxLength":10},
              "ok":{"type":"boolean"},
              "weight":{"type":"number"},
              "level":{"enum":[1,10,"x"]},
              "inner":{"type":"object","properties":{"n":{"type":"integer","minimum":-5,"maximum":120}},"required":["n"]}},
             "required":["tags","ok","inner"]}
            """;
        // The longest text: {"tags":[ (9) + 3 strings of 5 six-byte characters (3 × 32) + 2 commas + ] (1) = 108;
        // ,"note": (8) + 62 = 70; ,"ok":false (11); ,"weight": (10) + -, 16 digits, ., 16 digits, e, sign, 2 digits
        // (38) = 48; ,"level":"x" (12); ,"inner":{"n":120} (18); } (1). 268 bytes, so at most 268 tokens and the stop.
        const int bound = 268 + 1;
        var constraint = JsonConstraint.FromSchema(JsonNode.Parse(schema)!);
        string[] order = ["tags", "note", "ok", "weight", "level", "inner"];
        var random = new Random(7);
        var seen = new HashSet<string>();
        for (int walk = 0; walk < 300; walk++)
        {
            var (text, steps) = Walk(constraint, random, bound);
            Assert.NotNull(text);
            Assert.InRange(steps, 1, bound);
            var root = Parse(text);
            var names = root.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(order.Where(names.Contains), names);
            Assert.Subset(names.ToHashSet(), new HashSet<string> { "tags", "ok", "inner" });
            seen.UnionWith(names);

            var tags = root.GetProperty("tags");
            Assert.InRange(tags.GetArrayLength(), 1, 3);
            Assert.All(tags.EnumerateArray(), t => Assert.InRange(Characters(t), 0, 5));
            if (root.TryGetProperty("note", out var note))
                Assert.True(note.ValueKind == JsonValueKind.Null || Characters(note) <= 10, note.GetRawText());
            Assert.True(root.GetProperty("ok").ValueKind is JsonValueKind.True or JsonValueKind.False);
            if (root.TryGetProperty("weight", out var weight))
                Assert.True(weight.ValueKind == JsonValueKind.Number && double.IsFinite(weight.GetDouble()), weight.GetRawText());
            if (root.TryGetProperty("level", out var level))
                Assert.Contains(level.GetRawText(), (string[])["1", "10", "\"x\""]);
            var inner = root.GetProperty("inner");
            Assert.Equal(["n"], inner.EnumerateObject().Select(p => p.Name));
            IntegerIn(inner.GetProperty("n"), -5, 120);
        }
        Assert.Equal(order.Length, seen.Count);
    }

    [Fact]
    public void Walks_in_json_object_mode_end_as_objects_within_the_depth_bound()
    {
        static int Depth(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => 1 + e.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
            JsonValueKind.Array => 1 + e.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
            _ => 0,
        };
        var constraint = JsonConstraint.AnyObject(maxDepth: 3);
        var random = new Random(99);
        int deepest = 0;
        for (int walk = 0; walk < 100; walk++)
        {
            // No bound follows from the grammar (keys, strings and objects are unbounded); these seeded walks end well
            // within the cap, as uniform choices close strings and objects often.
            var (text, _) = Walk(constraint, random, 5_000);
            Assert.NotNull(text);
            var root = Parse(text);
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            Assert.InRange(Depth(root), 1, 3);
            deepest = Math.Max(deepest, Depth(root));
        }
        Assert.Equal(3, deepest);
    }
}
