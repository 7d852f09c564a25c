using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Runs.Generation.Constraints;
using static SaeExplorer.Runs.Tests.Generation.Constraints.SyntheticVocabulary;

namespace SaeExplorer.Runs.Tests.Generation.Constraints;

public sealed class JsonConstraintTests
{
    internal const string JudgeSchema = """
        {"type":"object","properties":{
          "score":{"type":"integer","minimum":1,"maximum":10},
          "verdict":{"type":"string","enum":["A","B","tie"]},
          "rationale":{"type":"string","maxLength":40}},
         "required":["score","verdict","rationale"]}
        """;

    private static readonly string[] Digits1To9 = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static JsonConstraint Schema(string json) => JsonConstraint.FromSchema(JsonNode.Parse(json)!);

    private static JsonConstraintState Judge() => Start(Schema(JudgeSchema));

    /// <summary>The text that tokens, given by name, spell.</summary>
    private static string Text(params string[] names) => Encoding.UTF8.GetString([.. names.SelectMany(n => Tokens[Id(n)]!)]);

    [Fact]
    public void The_object_opens_with_its_first_key_and_only_that()
    {
        Assert.Equal(Sorted("{", "{\""), Allowed(Judge()));
        Assert.Equal(Sorted("\"", "\"score", "\"score\":"), Allowed(Judge().Feed("{")));
        Assert.Equal(Sorted("s", "score"), Allowed(Judge().Feed("{\"")));
        Assert.Equal(Sorted("\"", "\":"), Allowed(Judge().Feed("{\"", "score")));
    }

    [Fact]
    public void A_bounded_integer_takes_exactly_the_integers_in_range()
    {
        var afterKey = Judge().Feed("{", "\"score\":");
        Assert.Equal(Sorted([.. Digits1To9, "10"]), Allowed(afterKey));
        Assert.False(afterKey.Clone().TryAdvance(Id("0")));
        Assert.False(afterKey.Clone().TryAdvance(Id("-")));
        Assert.Equal(Sorted("0", ",", ",\""), Allowed(afterKey.Clone().Feed("1")));
        Assert.False(afterKey.Clone().Feed("1").TryAdvance(Id("1")));
        // A token refused after some of its bytes were taken leaves the state as it was.
        var one = afterKey.Clone().Feed("1");
        Assert.False(one.TryAdvance(",\"x"u8));
        Assert.Equal(Sorted("0", ",", ",\""), Allowed(one));
        Assert.Equal(Sorted(",", ",\""), Allowed(afterKey.Clone().Feed("10")));
        Assert.Equal(Sorted(",", ",\""), Allowed(afterKey.Clone().Feed("7")));
    }

    [Fact]
    public void A_top_level_integer_may_stop_once_complete_and_must_once_it_cannot_grow()
    {
        var oneToTen = Start(Schema("""{"type":"integer","minimum":1,"maximum":10}"""));
        Assert.Equal(Sorted([.. Digits1To9, "10"]), Allowed(oneToTen));
        Assert.False(oneToTen.CanStop);

        var one = oneToTen.Clone().Feed("1");
        Assert.Equal(Sorted("0", "<stop>"), Allowed(one));
        Assert.True(one.CanStop);
        Assert.False(one.IsComplete);
        Assert.True(one.TryAdvance(Stop));

        Assert.True(oneToTen.Clone().Feed("10").IsComplete);
        Assert.Equal(["<stop>"], Allowed(oneToTen.Clone().Feed("2")));
        Assert.False(oneToTen.Clone().TryAdvance("11"u8));
        Assert.False(oneToTen.Clone().TryAdvance("0"u8));
        Assert.False(oneToTen.Clone().TryAdvance("01"u8));
        Assert.False(oneToTen.Clone().TryAdvance(Stop));

        var signed = Start(Schema("""{"type":"integer","minimum":-5,"maximum":120}"""));
        Assert.Equal(Sorted(["-", "0", .. Digits1To9, "10"]), Allowed(signed));
        Assert.Equal(Sorted("1", "2", "3", "4", "5"), Allowed(signed.Clone().Feed("-")));
        Assert.False(signed.Clone().TryAdvance("-0"u8));
        Assert.Equal(Sorted(["0", .. Digits1To9, "10", "<stop>"]), Allowed(signed.Clone().Feed("1")));
        Assert.Equal(Sorted("0", "<stop>"), Allowed(signed.Clone().Feed("1", "2")));
        Assert.True(signed.Clone().Feed("1", "3").IsComplete);
        Assert.True(signed.Clone().Feed("0").IsComplete);
    }

    [Fact]
    public void An_enum_follows_its_values_and_the_next_key_follows_it()
    {
        var afterKey = Judge().Feed("{\"", "score", "\":", "7", ",\"", "verdict", "\":");
        Assert.Equal(Sorted("\"", "\"t"), Allowed(afterKey));
        Assert.Equal(Sorted("i", "ie\""), Allowed(afterKey.Clone().Feed("\"t")));
        Assert.Equal(Sorted("\"", "\",\""), Allowed(afterKey.Clone().Feed("\"", "A")));
        Assert.False(afterKey.Clone().TryAdvance("\"C\""u8));
    }

    [Fact]
    public void A_string_value_allows_what_keeps_the_text_valid()
    {
        var beforeValue = Judge().Feed("{", "\"score\":", "10", ",\"", "verdict", "\":", "\"", "B", "\",\"", "rationale", "\":");
        // The opening quote, then whatever can sit inside a string, close it, or close it and the object.
        Assert.Equal(Sorted("\"", "\"}", "\"score", "\",\"", "\":", "\":\"", "\"t"), Allowed(beforeValue));

        var inside = beforeValue.Feed("\"");
        string[] refused =
        [
            "<special>", "<stop>", "<empty>", "<0A>", "<A9>", "<AC>", "<82 AC>", "<FF>", "<C0 80>", "<ED A0 80>",
            // These close the string and go on with something other than the object's closing brace.
            "\"score", "\"score\":", "\":", "\":\"", "\",\"", "\"t", "ok\",",
        ];
        Assert.Equal(Sorted([.. Enumerable.Range(0, Tokens.Length).Select(Name).Except(refused)]), Allowed(inside));
        Assert.True(inside.Clone().Feed("\"}").IsComplete);
        Assert.Equal(["<stop>"], Allowed(inside.Clone().Feed("ie\"", "}")));
    }

    [Fact]
    public void Escapes_are_complete_and_u_escapes_are_four_hex_digits_without_surrogates()
    {
        var inside = Judge().Feed("{", "\"score\":", "1", ",\"", "verdict", "\":", "\"", "A", "\",\"", "rationale", "\":", "\"");
        // After a backslash: the escape letters, and tokens that start with one (\\ then more, \r then "ationale").
        Assert.Equal(
            Sorted("\"", "\"}", "\"score", "\":", "\":\"", "\",\"", "\"t", "/", "\\", "\\\"", "\\n", "\\u", "b", "f", "n", "r", "rationale", "t", "tie", "u"),
            Allowed(inside.Clone().Feed("\\")));
        var hex = "0123456789abcdefABCDEF".Select(c => c.ToString());
        Assert.Equal(Sorted([.. hex, "00e9", "10", "ab", "abc"]), Allowed(inside.Clone().Feed("\\u")));
        Assert.Equal(Sorted("0", "1", "2", "3", "4", "5", "6", "7", "00e9", "10"), Allowed(inside.Clone().Feed("\\u", "d")));
        Assert.False(inside.Clone().Feed("\\u", "d").TryAdvance("8"u8));

        var tokens = new[] { "{", "\"score\":", "1", ",\"", "verdict", "\":", "\"", "A", "\",\"", "rationale", "\":", "\"", "\\n", "\\u", "00e9", "\\\"", "\"}" };
        var state = Judge().Feed(tokens);
        Assert.True(state.IsComplete);
        using var parsed = JsonDocument.Parse(Text(tokens));
        Assert.Equal("\né\"", parsed.RootElement.GetProperty("rationale").GetString());
    }

    [Fact]
    public void Utf8_is_accepted_across_token_boundaries_and_invalid_bytes_are_refused()
    {
        var inside = Start(Schema("""{"type":"string"}""")).Feed("\"");
        Assert.Equal(Sorted("<A9>", "<AC>"), Allowed(inside.Clone().Feed("<C3>")));
        Assert.Equal(Sorted("<82 AC>", "<A9>", "<AC>"), Allowed(inside.Clone().Feed("<E2>")));
        Assert.Equal(Sorted("<A9>", "<AC>"), Allowed(inside.Clone().Feed("<E2 82>")));
        // A continuation byte where a character starts, and a character cut off by the closing quote.
        Assert.False(inside.Clone().TryAdvance(Id("<A9>")));
        Assert.False(inside.Clone().Feed("<E2 82>").TryAdvance(Id("\"")));
        Assert.False(inside.Clone().TryAdvance([0xE0, 0x80, 0x80]));
        Assert.False(inside.Clone().TryAdvance([0xF4, 0x90, 0x80, 0x80]));
        Assert.True(inside.Clone().TryAdvance([0xF0, 0x9F, 0x98, 0x80]));

        var euro = inside.Clone().Feed("<E2>", "<82 AC>", "<E2 82>", "<AC>", "<C3 A9>", "\"");
        Assert.True(euro.IsComplete);
        Assert.Equal("€€é", JsonDocument.Parse(Text("\"", "<E2>", "<82 AC>", "<E2 82>", "<AC>", "<C3 A9>", "\"")).RootElement.GetString());
    }

    [Fact]
    public void MaxLength_counts_characters_and_an_escape_as_one()
    {
        var three = Start(Schema("""{"type":"string","maxLength":3}"""));
        Assert.Equal(Sorted("\"", "\"}", "\",\"", "\":", "\":\"", "\"t"), Allowed(three));
        var two = three.Clone().Feed("\"", "ab");
        Assert.False(two.Clone().TryAdvance(Id("abc")));
        Assert.False(two.Clone().TryAdvance(Id("ab")));
        Assert.True(two.Clone().Feed("<C3 A9>", "\"").IsComplete);
        Assert.True(two.Clone().Feed("\\u", "00e9", "\"").IsComplete);
        Assert.Equal(["\""], Allowed(two.Clone().Feed("c")));
        var done = two.Feed("c", "\"");
        Assert.True(done.IsComplete);
        Assert.Equal(["<stop>"], Allowed(done));
        Assert.Empty(Schema("""{"type":"string","maxLength":3}""").CreateState(Trie, []).Feed("\"", "\"").AllowedTokenIds());

        var atLeastTwo = Start(Schema("""{"type":"string","minLength":2}""")).Feed("\"", "<C3 A9>");
        Assert.False(atLeastTwo.Clone().TryAdvance(Id("\"")));
        Assert.True(atLeastTwo.Feed("a", "\"").IsComplete);
    }

    [Fact]
    public void Optional_properties_may_be_left_out_but_keep_their_order()
    {
        var constraint = Schema("""
            {"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"null"},"c":{"type":"integer","minimum":0,"maximum":3}},"required":["c"]}
            """);
        bool Accepts(string text)
        {
            var state = Start(constraint);
            return state.TryAdvance(Encoding.UTF8.GetBytes(text)) && state.IsComplete;
        }
        foreach (var text in (string[])["{\"c\":1}", "{\"a\":true,\"c\":0}", "{\"b\":null,\"c\":3}", "{\"a\":false,\"b\":null,\"c\":2}"])
            Assert.True(Accepts(text), text);
        foreach (var text in (string[])["{}", "{\"a\":true}", "{\"b\":null,\"a\":true,\"c\":1}", "{\"c\":1,\"a\":true}", "{ \"c\":1}", "{\"c\":4}"])
            Assert.False(Accepts(text), text);
        Assert.True(Start(Schema("""{"type":"object","properties":{"a":{"type":"boolean"}}}""")).TryAdvance("{}"u8));
    }

    [Fact]
    public void Arrays_nullable_types_anyOf_and_refs_compile_to_what_they_allow()
    {
        static bool Accepts(string schema, string text)
        {
            var state = Start(Schema(schema));
            return state.TryAdvance(Encoding.UTF8.GetBytes(text)) && state.CanStop;
        }
        const string tags = """{"type":"array","items":{"type":"string","maxLength":2},"minItems":1,"maxItems":2}""";
        Assert.True(Accepts(tags, "[\"ab\"]"));
        Assert.True(Accepts(tags, "[\"a\",\"\"]"));
        Assert.False(Accepts(tags, "[]"));
        Assert.False(Accepts(tags, "[\"a\",\"b\",\"c\"]"));
        Assert.False(Accepts(tags, "[\"abc\"]"));

        const string nullable = """{"type":["string","null"],"maxLength":1}""";
        Assert.True(Accepts(nullable, "null"));
        Assert.True(Accepts(nullable, "\"x\""));
        Assert.False(Accepts(nullable, "\"xy\""));

        const string reference = """
            {"$defs":{"Item":{"type":"object","properties":{"n":{"type":"number"}},"required":["n"]}},
             "anyOf":[{"$ref":"#/$defs/Item"},{"type":"array","items":{"$ref":"#/$defs/Item"}},{"const":"none"}]}
            """;
        Assert.True(Accepts(reference, "{\"n\":-1.5e+3}"));
        Assert.True(Accepts(reference, "[{\"n\":0},{\"n\":12.25}]"));
        Assert.True(Accepts(reference, "\"none\""));
        Assert.False(Accepts(reference, "{\"n\":01}"));
        Assert.False(Accepts(reference, "\"other\""));

        Assert.True(Accepts("""{"enum":[1,10,"x",true,null]}""", "1"));
        Assert.True(Accepts("""{"enum":[1,10,"x",true,null]}""", "10"));
        Assert.False(Accepts("""{"enum":[1,10,"x",true,null]}""", "100"));
        Assert.True(Accepts("""{"type":"number"}""", "3.25"));
        Assert.True(Accepts("""{}""", "[1,{\"k\":[]},\"s\",false]"));
    }

    [Fact]
    public void Json_object_mode_takes_any_compact_object_and_bounds_the_nesting()
    {
        static bool Accepts(JsonConstraint constraint, string text)
        {
            var state = Start(constraint);
            return state.TryAdvance(Encoding.UTF8.GetBytes(text)) && state.IsComplete;
        }
        var any = JsonConstraint.AnyObject();
        Assert.True(Accepts(any, "{}"));
        Assert.True(Accepts(any, "{\"a\":[1,-2.5e3,\"x\\n\",{\"b\":null}],\"a\":true}"));
        Assert.False(Accepts(any, "[]"));
        Assert.False(Accepts(any, "{\"a\": 1}"));
        Assert.False(Accepts(any, "{\"a\":01}"));
        Assert.False(Accepts(any, "{\"a\":1,}"));
        Assert.Equal(Sorted("{", "{\""), Allowed(Start(any)));

        var two = JsonConstraint.AnyObject(maxDepth: 2);
        Assert.True(Accepts(two, "{\"a\":[1,2]}"));
        Assert.True(Accepts(two, "{\"a\":{\"b\":\"c\"}}"));
        Assert.False(Accepts(two, "{\"a\":[[1]]}"));
        Assert.False(Accepts(two, "{\"a\":{\"b\":{}}}"));
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^a+$"}""", "'pattern' (at #)")]
    [InlineData("""{"type":"object","properties":{"d":{"type":"string","format":"date"}}}""", "'format' (at #/properties/d)")]
    [InlineData("""{"allOf":[{"type":"string"}]}""", "'allOf'")]
    [InlineData("""{"type":"number","minimum":0}""", "'minimum' on a number")]
    [InlineData("""{"type":"object","properties":{},"additionalProperties":{"type":"string"}}""", "'additionalProperties'")]
    [InlineData("""{"type":"array","items":[{"type":"string"}]}""", "Tuple-form 'items'")]
    [InlineData("""{"anyOf":[{"type":"integer"},{"type":"number"}]}""", "can both begin with '-'")]
    [InlineData("""{"anyOf":[{"type":"string"}],"type":"string"}""", "'anyOf' (at #) cannot be combined with 'type'")]
    [InlineData("""{"$defs":{"N":{"type":"array","items":{"$ref":"#/$defs/N"}}},"$ref":"#/$defs/N"}""", "recursive")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""", "must point into the same schema")]
    [InlineData("""{"maxLength":3}""", "has 'maxLength' but no 'type'")]
    [InlineData("""{"enum":[{"a":1}]}""", "enum and const values must be strings")]
    public void Unsupported_schemas_are_refused_naming_the_keyword(string schema, string message) =>
        Assert.Contains(message, Assert.Throws<NotSupportedException>(() => Schema(schema)).Message);

    [Theory]
    [InlineData("""{"type":"strng"}""", "Unknown type 'strng' at #")]
    [InlineData("""{"type":"string","maxLength":-1}""", "'maxLength' at # must be a non-negative integer")]
    [InlineData("""{"type":"string","minLength":5,"maxLength":2}""", "minLength 5 is above maxLength 2")]
    [InlineData("""{"type":"integer","minimum":3,"maximum":2}""", "No integer lies within the bounds")]
    [InlineData("""{"type":"integer","exclusiveMinimum":1,"exclusiveMaximum":2}""", "No integer lies within the bounds")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}""", "names 'b', which is not in 'properties'")]
    [InlineData("""{"type":"object","properties":{"a":{"type":"string"},"a":{"type":"null"}}}""", "names 'a' twice")]
    [InlineData("""{"enum":[]}""", "'enum' at # must be a non-empty array")]
    [InlineData("""{"$ref":"#/$defs/Missing"}""", "points at nothing")]
    [InlineData("""{"type":"array","items":false}""", "is false, which no value matches")]
    public void Malformed_schemas_are_refused_with_where(string schema, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => Schema(schema)).Message);

    [Fact]
    public void Response_formats_map_to_constraints()
    {
        Assert.Null(JsonConstraint.FromResponseFormat(null));
        Assert.Null(JsonConstraint.FromResponseFormat(JsonNode.Parse("""{"type":"text"}""")));
        var jsonObject = JsonConstraint.FromResponseFormat(JsonNode.Parse("""{"type":"json_object"}"""))!;
        Assert.True(Start(jsonObject).TryAdvance("{\"any\":[1]}"u8));

        var schema = JsonConstraint.FromResponseFormat(JsonNode.Parse(
            """{"type":"json_schema","json_schema":{"name":"judge","strict":true,"schema":""" + JudgeSchema + "}}"))!;
        Assert.Equal(Sorted([.. Digits1To9, "10"]), Allowed(Start(schema).Feed("{", "\"score\":")));
        var noSchema = JsonConstraint.FromResponseFormat(JsonNode.Parse("""{"type":"json_schema","json_schema":{"name":"x"}}"""))!;
        Assert.True(Start(noSchema).TryAdvance("{}"u8));
    }

    [Theory]
    [InlineData("[]", "response_format must be an object")]
    [InlineData("""{"type":"yaml"}""", "response_format.type must be \"text\", \"json_object\" or \"json_schema\", not \"yaml\"")]
    [InlineData("""{}""", "not missing")]
    [InlineData("""{"type":"json_schema"}""", "response_format.json_schema must be an object")]
    [InlineData("""{"type":"json_schema","json_schema":{"schema":{"type":"string"}}}""", "response_format.json_schema.name must be a non-empty string")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"x","strict":"yes","schema":{}}}""", "strict must be true or false")]
    [InlineData("""{"type":"json_schema","json_schema":{"name":"x","schema":"string"}}""", "schema must be a JSON schema object")]
    public void Malformed_response_formats_name_the_field(string json, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => JsonConstraint.FromResponseFormat(JsonNode.Parse(json))).Message);

    [Fact]
    public void Stop_ids_are_checked_and_the_mask_must_cover_the_vocabulary()
    {
        var constraint = Schema(JudgeSchema);
        Assert.Throws<ArgumentOutOfRangeException>(() => constraint.CreateState(Trie, [Tokens.Length]));
        Assert.Throws<ArgumentException>(() => Start(constraint).FillAllowed(new bool[Tokens.Length - 1]));
        var padded = new bool[Tokens.Length + 5];
        Assert.Equal(2, Start(constraint).FillAllowed(padded));
        Assert.Same(Trie, TokenTrie.For(Tokens));
        Assert.False(Start(constraint).TryAdvance(Special));
        Assert.False(Start(constraint).TryAdvance(Empty));
        Assert.False(Start(constraint).TryAdvance(ReadOnlySpan<byte>.Empty));
    }
}
