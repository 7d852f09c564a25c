using System.Text.RegularExpressions;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Inference.Tests.Tokenization;

/// <summary>
/// The hand-written pre-tokenizer must split exactly like the Llama 3 regex. On BMP text .NET's Regex
/// gives the reference answer; outside the BMP (where .NET sees surrogates) the expected splits are
/// derived by hand from the pattern with code-point semantics, as Oniguruma applies it.
/// </summary>
public sealed class Llama3PreTokenizerTests
{
    private static readonly Llama3PreTokenizer Pre = new(new SpecialTokenMatcher(new Dictionary<string, int>
    {
        ["<|eot_id|>"] = 128009,
        ["<|begin_of_text|>"] = 128000,
        ["<|reserved_special_token_1|>"] = 128003,
        ["<|reserved_special_token_10|>"] = 128015,
    }));

    private static readonly Regex Reference = new(Llama3PreTokenizer.Pattern, RegexOptions.CultureInvariant);

    private static string[] Split(string text) =>
        [.. Pre.PreTokenize(text).Select(p => text.Substring(p.Offset, p.Length))];

    [Fact]
    public void RandomBmpText_MatchesDotNetRegex()
    {
        string[] alphabet =
        [
            "a", "Z", "é", "中", "ß", "ǅ", "ʰ", "1", "7", "٣", "½", "Ⅻ", " ", " ", " ", "\t", "\u00A0", "\u3000", "\u2028",
            "\n", "\r", "\r\n", ".", "!", "'", "\"", "-", "✅", "€", "_", "'s", "'S", "'ll", "'LL", "'Re", "'ve", "'m", "'d", "'t", "'x",
            "\u200B", "\u0301", "\v", "\f", "\u0085",
        ];
        var rng = new Random(20261126);
        for (int iter = 0; iter < 3000; iter++)
        {
            // Mostly short strings; every 500th is long enough to exceed the scanner's cached buffers.
            int parts = iter % 500 == 0 ? 6000 : rng.Next(0, 25);
            string text = string.Concat(Enumerable.Range(0, parts).Select(_ => alphabet[rng.Next(alphabet.Length)]));
            string[] expected = [.. Reference.Matches(text).Select(m => m.Value)];
            Assert.Equal(text, string.Concat(expected)); // the pattern always matches, so it covers the text
            Assert.Equal(expected, Split(text));
        }
    }

    [Fact]
    public void FixtureStrings_MatchDotNetRegex()
    {
        foreach (var c in TokenizerFixtures.TokenizerCases)
        {
            if (c.Text.Contains("<|", StringComparison.Ordinal) || c.Text.EnumerateRunes().Any(r => r.Value > 0xFFFF)) continue;
            Assert.Equal([.. Reference.Matches(c.Text).Select(m => m.Value)], Split(c.Text));
        }
    }

    [Theory]
    // An emoji fills [^\r\n\p{L}\p{N}]? before letters (.NET Regex would give "🧪" + "test").
    [InlineData("🧪test", new[] { "🧪test" })]
    // Astral letters are \p{L}.
    [InlineData("a𝐀b c", new[] { "a𝐀b", " c" })]
    [InlineData("𠀀中文", new[] { "𠀀中文" })]
    // Astral digits are \p{N}, three at a time.
    [InlineData("x𝟙𝟚𝟛𝟜", new[] { "x", "𝟙𝟚𝟛", "𝟜" })]
    [InlineData("!!🧪\n\nabc", new[] { "!!🧪\n\n", "abc" })]
    [InlineData("hi 🧪 🧪", new[] { "hi", " 🧪", " 🧪" })]
    // Oniguruma case-folds U+017F LONG S to 's'.
    [InlineData("it'ſ", new[] { "it", "'ſ" })]
    public void AstralAndCaseFoldCases(string text, string[] expected) => Assert.Equal(expected, Split(text));

    [Fact]
    public void SpecialTokens_AreCutOutFirst_LongestMatch()
    {
        Assert.Equal(["a", "<|eot_id|>", "b", " <|", "x", "|>"], Split("a<|eot_id|>b <|x|>"));
        Assert.Equal([" ", "<|begin_of_text|>", "<|eot_id|>"], Split(" <|begin_of_text|><|eot_id|>"));
        Assert.Equal(["<|reserved_special_token_10|>", "<|reserved_special_token_1|>"],
            Split("<|reserved_special_token_10|><|reserved_special_token_1|>"));
        Assert.Equal(["<|", "eot", "_id", "|"], Split("<|eot_id|")); // incomplete: ordinary text, split by the pattern
    }
}
