using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Runs.Generation.Constraints;
using Xunit.Abstractions;
using static SaeExplorer.Runs.Tests.Generation.Constraints.SyntheticVocabulary;

namespace SaeExplorer.Runs.Tests.Generation.Constraints;

/// <summary>
/// The masks a compiled constraint caches per vocabulary: states that must allow the same tokens share a key, states
/// that may not do not, a repeated answer is all cache hits, and the cache stays within its bound.
/// </summary>
public sealed class JsonConstraintMaskCacheTests(ITestOutputHelper output)
{
    /// <summary>The LLM judge's rubric: four scores and a rationale of at most 240 characters.</summary>
    internal const string RubricSchema = """
        {"type":"object","properties":{
          "accuracy":{"type":"integer","minimum":1,"maximum":10},
          "completeness":{"type":"integer","minimum":1,"maximum":10},
          "clarity":{"type":"integer","minimum":1,"maximum":10},
          "usefulness":{"type":"integer","minimum":1,"maximum":10},
          "rationale":{"type":"string","maxLength":240}},
         "required":["accuracy","completeness","clarity","usefulness","rationale"]}
        """;

    /// <summary>The synthetic vocabulary's longest token, <c>rationale</c>: the cache's lookahead.</summary>
    private const int Lookahead = 9;

    private static JsonConstraint Schema(string json, int maskCapacity = MaskCache.DefaultCapacity)
    {
        using var document = JsonDocument.Parse(json);
        return new JsonConstraint(SchemaCompiler.Compile(document.RootElement), maskCapacity);
    }

    /// <summary>
    /// <paramref name="characters"/> characters of rationale, each one JSON character: letters, words the vocabulary
    /// has as tokens, escapes and UTF-8, so the text passes through the string's escape and continuation states.
    /// </summary>
    private static string Rationale(int characters, int shift = 0)
    {
        string[] units = ["a", "b", "c", " ", "t", "i", "e", " ", "o", "k", "\\n", "é", "\\u00e9", "\\\"", "s", "c", "o", "r", "e", ",", "€", " "];
        return string.Concat(Enumerable.Range(shift, characters).Select(i => units[i % units.Length]));
    }

    private static string Answer(string rationale, int score = 7) =>
        $$"""{"accuracy":{{score}},"completeness":10,"clarity":3,"usefulness":9,"rationale":"{{rationale}}"}""";

    /// <summary>
    /// Writes <paramref name="text"/> as a model would, the longest allowed token at each step, then the stop. Each step's
    /// mask comes through the cache and must equal the trie walked afresh. Returns the number of tokens written, which
    /// is the number of cache lookups (once the value is complete, only the stop is allowed, without a lookup).
    /// </summary>
    private static int Write(JsonConstraint constraint, string text)
    {
        var state = Start(constraint);
        var bytes = Encoding.UTF8.GetBytes(text);
        var mask = new bool[Tokens.Length];
        var walked = new bool[Tokens.Length];
        int steps = 0, at = 0;
        while (true)
        {
            steps++;
            int count = state.FillAllowed(mask);
            Assert.Equal(state.FillAllowedUncached(walked), count);
            Assert.True(walked.AsSpan().SequenceEqual(mask), $"after '{Encoding.UTF8.GetString(bytes, 0, at)}' the cached mask differs from the walked one");
            if (at == bytes.Length)
            {
                Assert.True(mask[Stop]);
                return steps - 1;
            }
            int best = -1;
            for (int id = 0; id < Tokens.Length; id++)
            {
                if (mask[id] && Tokens[id] is { Length: > 0 } token && bytes.AsSpan(at).StartsWith(token) && (best < 0 || token.Length > Tokens[best]!.Length))
                    best = id;
            }
            Assert.True(best >= 0, $"no allowed token goes on after '{Encoding.UTF8.GetString(bytes, 0, at)}'");
            Assert.True(state.TryAdvance(best));
            at += Tokens[best]!.Length;
        }
    }

    private static (long Hits, long Misses) Counters(JsonConstraint constraint)
    {
        var masks = constraint.MasksFor(Trie)!;
        return (masks.Hits, masks.Misses);
    }

    private static MaskKey Key(JsonConstraint constraint, string text)
    {
        var state = Start(constraint);
        Assert.True(state.TryAdvance(Encoding.UTF8.GetBytes(text)), text);
        return state.CacheKey!;
    }

    /// <summary>
    /// Random walks through bounds close to the lookahead (lengths and item counts a token or two from their minimum
    /// and maximum, integer ranges), where folding counts together would go wrong first: at every step the cached mask
    /// must equal the trie walked afresh, and trying every token alone.
    /// </summary>
    [Fact]
    public void Random_walks_near_the_bounds_get_the_walked_mask_from_the_cache()
    {
        const string schema = """
            {"type":"object","properties":{
              "s":{"type":"string","minLength":12,"maxLength":14},
              "t":{"type":"string","minLength":3,"maxLength":30},
              "u":{"type":"array","items":{"type":"integer","minimum":-3,"maximum":12},"minItems":11,"maxItems":13},
              "v":{"type":"array","items":{"type":"array","items":{"enum":["tie","ab",1,10]},"maxItems":2},"minItems":1,"maxItems":20},
              "w":{"type":"array","items":{"enum":["tie",1]},"minItems":12,"maxItems":40},
              "n":{"type":"integer","minimum":95,"maximum":1050}},
             "required":["s","t","u","v","w","n"]}
            """;
        var constraint = Schema(schema);
        var random = new Random(11);
        var mask = new bool[Tokens.Length];
        var walked = new bool[Tokens.Length];
        int done = 0;
        for (int walk = 0; walk < 150; walk++)
        {
            var state = Start(constraint);
            var text = new List<byte>();
            for (int step = 0; step < 400; step++)
            {
                int count = state.FillAllowed(mask);
                Assert.Equal(state.FillAllowedUncached(walked), count);
                Assert.True(walked.AsSpan().SequenceEqual(mask), $"after '{Encoding.UTF8.GetString([.. text])}' the cached mask differs from the walked one");
                for (int id = 0; id < Tokens.Length; id++)
                {
                    bool alone = id == Stop ? state.CanStop : state.Clone().TryAdvance(id);
                    Assert.True(alone == mask[id], $"after '{Encoding.UTF8.GetString([.. text])}' the mask says {mask[id]} for {Name(id)}");
                }
                var allowed = Enumerable.Range(0, Tokens.Length).Where(id => mask[id]).ToArray();
                int chosen = allowed[random.Next(allowed.Length)];
                if (chosen == Stop)
                {
                    using var document = JsonDocument.Parse(text.ToArray());
                    done++;
                    break;
                }
                Assert.True(state.TryAdvance(chosen));
                text.AddRange(Tokens[chosen]!);
            }
        }
        var masks = constraint.MasksFor(Trie)!;
        output.WriteLine($"{done} walks finished; {masks.Hits} hits, {masks.Misses} misses, {masks.Count} masks kept");
        Assert.True(done > 100, $"{done} walks finished");
        Assert.True(masks.Hits > 3 * masks.Misses, $"{masks.Hits} hits, {masks.Misses} misses");
    }

    [Fact]
    public void The_lookahead_is_the_longest_token()
    {
        Assert.Equal(Lookahead, Tokens.Max(t => t?.Length ?? 0));
        Assert.Equal(Lookahead, Schema(RubricSchema).MasksFor(Trie)!.Lookahead);
    }

    [Fact]
    public void A_second_identical_answer_is_all_cache_hits_and_the_first_misses_a_bounded_number_independent_of_the_rationale()
    {
        var constraint = Schema(RubricSchema);
        string answer = Answer(Rationale(230));
        int steps = Write(constraint, answer);
        var (hits, misses) = Counters(constraint);
        output.WriteLine($"first answer: {steps} tokens, {misses} misses, {hits} hits");
        Assert.Equal(steps, hits + misses);
        Assert.True(steps > 200, $"{steps} steps");

        Assert.Equal(steps, Write(constraint, answer));
        var (hits2, misses2) = Counters(constraint);
        output.WriteLine($"second, identical: {hits2 - hits} hits, {misses2 - misses} misses");
        Assert.Equal(misses, misses2);
        Assert.Equal(hits + steps, hits2);

        // Another answer: other scores, a rationale of another length and phase. Only states near the rationale's end
        // (fewer than a token's length of characters left, in some string state) and the new score can be new.
        int other = Write(constraint, Answer(Rationale(180, shift: 5), score: 10));
        var (hits3, misses3) = Counters(constraint);
        output.WriteLine($"third, different: {other} tokens, {misses3 - misses2} misses, {hits3 - hits2} hits");
        Assert.InRange(misses3 - misses2, 0, 2 * (Lookahead + 1) + 4);

        // The first answer's misses do not grow with the rationale: a long and a short one on fresh constraints.
        var shortConstraint = Schema(RubricSchema);
        Write(shortConstraint, Answer(Rationale(60)));
        long shortMisses = Counters(shortConstraint).Misses;
        var longConstraint = Schema(RubricSchema);
        Write(longConstraint, Answer(Rationale(240)));
        long longMisses = Counters(longConstraint).Misses;
        output.WriteLine($"first answer, 60 characters: {shortMisses} misses; 240 characters: {longMisses} misses");
        // Most misses are the keys, written a character at a time: each character is another place in the grammar.
        Assert.InRange(longMisses, 1, 80);
        Assert.InRange(Math.Abs(longMisses - shortMisses), 0, Lookahead + 2);
    }

    [Fact]
    public void Inside_a_long_string_the_characters_used_fold_into_one_key_and_near_its_end_each_count_is_its_own()
    {
        var constraint = Schema(RubricSchema);
        const string prefix = """{"accuracy":7,"completeness":10,"clarity":3,"usefulness":9,"rationale":""" + "\"";
        string Used(int characters, char c = 'x') => prefix + new string(c, characters);

        // Room for any token: one key, whatever was written.
        var far = Key(constraint, Used(0));
        foreach (int used in (int[])[1, 10, 100, 240 - Lookahead - 1])
            Assert.Equal(far, Key(constraint, Used(used)));
        Assert.Equal(far, Key(constraint, prefix + Rationale(120)));

        // Within a token's length of the end: one key per count left, shared by any text that leaves it.
        var near = Enumerable.Range(0, Lookahead + 1).Select(left => Key(constraint, Used(240 - left))).ToArray();
        Assert.Equal(near.Length, near.Distinct().Count());
        Assert.DoesNotContain(far, near);
        for (int left = 0; left <= Lookahead; left++)
            Assert.Equal(near[left], Key(constraint, Used(240 - left, 'y')));
        Assert.Equal(near[3], Key(constraint, prefix + new string('x', 236) + "é"));

        // The string's own state counts: after a backslash, or inside a UTF-8 character, is not plain text.
        Assert.NotEqual(far, Key(constraint, Used(10) + "\\"));
        Assert.NotEqual(far, Key(constraint, Used(10) + "\\u00"));
        Assert.NotEqual(Key(constraint, Used(10) + "\\u0"), Key(constraint, Used(10) + "\\u00"));
        var state = Start(constraint);
        Assert.True(state.TryAdvance([.. Encoding.UTF8.GetBytes(Used(10)), 0xE2]));
        var afterLead = state.CacheKey;
        Assert.True(state.TryAdvance([0x82]));
        Assert.NotEqual(afterLead, state.CacheKey);
        Assert.NotEqual(far, state.CacheKey);

        // The same place in another property is another key.
        Assert.NotEqual(Key(constraint, """{"accuracy":"""), Key(constraint, """{"accuracy":7,"completeness":"""));
    }

    [Fact]
    public void Integers_keep_their_value_arrays_their_item_count_near_the_bounds_and_strings_their_minimum()
    {
        var integer = Schema("""{"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":100}},"required":["n"]}""");
        // 1 may become 100, 2 only 20-29.
        Assert.NotEqual(Key(integer, """{"n":1"""), Key(integer, """{"n":2"""));
        Assert.NotEqual(Key(integer, """{"n":1"""), Key(integer, """{"n":10"""));

        var array = Schema("""{"type":"array","items":{"type":"integer","minimum":0,"maximum":9},"minItems":3,"maxItems":30}""");
        string Items(int n) => "[" + string.Join(",", Enumerable.Repeat("5", n));
        // Items left before maxItems or minItems within the lookahead change the key...
        Assert.NotEqual(Key(array, Items(1)), Key(array, Items(2)));
        Assert.NotEqual(Key(array, Items(29)), Key(array, Items(30)));
        // ...beyond it, they do not: between minItems and maxItems - lookahead - 1 all counts are one key.
        Assert.Equal(Key(array, Items(3)), Key(array, Items(30 - Lookahead - 1)));
        Assert.NotEqual(Key(array, Items(3)), Key(array, Items(30 - Lookahead)));

        var minimum = Schema("""{"type":"string","minLength":20,"maxLength":1000}""");
        // Below minLength by more than the lookahead, the string cannot close within a token: one key.
        Assert.Equal(Key(minimum, "\"" + new string('x', 1)), Key(minimum, "\"" + new string('x', 20 - Lookahead - 1)));
        Assert.NotEqual(Key(minimum, "\"" + new string('x', 1)), Key(minimum, "\"" + new string('x', 20 - Lookahead)));
        Assert.Equal(Key(minimum, "\"" + new string('x', 20)), Key(minimum, "\"" + new string('x', 500)));
    }

    [Fact]
    public void In_json_object_mode_the_nesting_depth_is_part_of_the_key_but_string_and_array_lengths_are_not()
    {
        var any = JsonConstraint.AnyObject(maxDepth: 3);
        Assert.NotEqual(Key(any, """{"a":["""), Key(any, """{"a":[["""));
        Assert.NotEqual(Key(any, """{"a":{"b":"""), Key(any, """{"a":"""));
        Assert.Equal(Key(any, """{"a":[1,2,3,"""), Key(any, """{"a":[1,2,3,4,5,6,7,8,9,10,11,12,"""));
        Assert.Equal(Key(any, """{"a":"x"""), Key(any, """{"a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"""));
        Assert.Equal(Key(any, """{"ab"""), Key(any, """{"a":1,"cd"""));
    }

    [Fact]
    public void A_small_cache_evicts_the_least_recently_used_and_its_masks_stay_right()
    {
        var constraint = Schema(RubricSchema, maskCapacity: 8);
        var masks = constraint.MasksFor(Trie)!;
        Assert.Equal(8, masks.Capacity);
        for (int i = 0; i < 4; i++)
        {
            // Write checks every mask against the walked one.
            Write(constraint, Answer(Rationale(40 + 13 * i, shift: i), score: 1 + i));
            Assert.InRange(masks.Count, 1, 8);
        }
        Assert.True(masks.Hits > 0);
        Assert.Null(Schema(RubricSchema, maskCapacity: 0).MasksFor(Trie));
    }

    [Fact]
    public void Sequences_on_several_threads_share_one_cache_and_agree_with_the_walk()
    {
        var constraint = Schema(RubricSchema);
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            Write(constraint, Answer(Rationale(100 + 17 * i, shift: i), score: 1 + i % 10)));
        var (hits, misses) = Counters(constraint);
        output.WriteLine($"8 answers on 4 threads: {hits} hits, {misses} misses");
        Assert.True(hits > 5 * misses, $"{hits} hits, {misses} misses");
        // Two threads that miss the same state at once both walk it, and one mask is kept.
        Assert.InRange(constraint.MasksFor(Trie)!.Count, 1, misses);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1000)]
    [InlineData(128_256)]
    public void A_mask_packs_into_bits_and_expands_back_clearing_the_padding(int length)
    {
        var random = new Random(length);
        var mask = Enumerable.Range(0, length).Select(_ => random.Next(3) == 0).ToArray();
        var bits = MaskCache.Pack(mask);
        Assert.Equal((length + 63) / 64, bits.Length);
        var padded = Enumerable.Repeat(true, length + 70).ToArray();
        MaskCache.Expand(bits, length, padded);
        Assert.Equal(mask, padded[..length]);
        Assert.All(padded[length..], Assert.False);
        Assert.Throws<ArgumentException>(() => MaskCache.Expand(bits, length, new bool[length - 1]));
    }

    [Fact]
    public void The_same_response_format_schema_gives_the_same_constraint()
    {
        static JsonConstraint Format(string name, string schema) => JsonConstraint.FromResponseFormat(JsonNode.Parse(
            $$"""{"type":"json_schema","json_schema":{"name":"{{name}}","strict":true,"schema":""" + schema + "}}"))!;
        var first = Format("judge", RubricSchema);
        Assert.Same(first, Format("judge", RubricSchema));
        // Whitespace and the format's name do not matter; the schema's text does.
        Assert.Same(first, Format("rubric", RubricSchema.Replace("\n", " ").Replace("  ", " ")));
        Assert.NotSame(first, Format("judge", RubricSchema.Replace("240", "241")));
        // Property order orders the output, so it is another schema.
        const string ab = """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"]}""";
        const string ba = """{"type":"object","properties":{"b":{"type":"integer"},"a":{"type":"integer"}},"required":["a","b"]}""";
        Assert.NotSame(Format("x", ab), Format("x", ba));
        Assert.True(Start(Format("x", ba)).TryAdvance("{\"b\":1,\"a\":2}"u8));

        var jsonObject = JsonConstraint.FromResponseFormat(JsonNode.Parse("""{"type":"json_object"}"""));
        Assert.Same(jsonObject, JsonConstraint.FromResponseFormat(JsonNode.Parse("""{"type":"json_object"}""")));
        Assert.Same(jsonObject, JsonConstraint.AnyObject());
    }

    [Fact]
    public void The_compiled_schema_cache_keeps_the_most_recently_used()
    {
        var cache = new CompiledSchemaCache(2);
        int compiled = 0;
        JsonConstraint Compile(string text)
        {
            compiled++;
            using var document = JsonDocument.Parse(text);
            return JsonConstraint.FromSchema(document.RootElement);
        }
        string[] schemas = ["""{"type":"integer"}""", """{"type":"string"}""", """{"type":"boolean"}"""];
        var integer = cache.GetOrAdd(schemas[0], schemas[0], Compile);
        var text = cache.GetOrAdd(schemas[1], schemas[1], Compile);
        Assert.Same(integer, cache.GetOrAdd(schemas[0], schemas[0], Compile));
        // The string schema is the least recently used: the third one pushes it out.
        cache.GetOrAdd(schemas[2], schemas[2], Compile);
        Assert.Equal(2, cache.Count);
        Assert.Same(integer, cache.GetOrAdd(schemas[0], schemas[0], Compile));
        Assert.NotSame(text, cache.GetOrAdd(schemas[1], schemas[1], Compile));
        Assert.Equal(4, compiled);
        // A schema that does not compile is not kept: its error comes every time.
        Assert.Throws<ArgumentException>(() => cache.GetOrAdd("""{"type":"nope"}""", """{"type":"nope"}""", Compile));
        Assert.Throws<ArgumentException>(() => cache.GetOrAdd("""{"type":"nope"}""", """{"type":"nope"}""", Compile));
        Assert.Equal(2, cache.Count);
    }
}
