using System.Diagnostics;
using System.Text;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Inference.Tests.Tokenization;

/// <summary>
/// Long pieces (a word of thousands of letters, a run of digits or spaces) are merged in n log n: the same tokens as
/// the quadratic merge, in time that grows linearly (the hardening issue, item 6: a 10 MB one-word prompt ran past 300 s).
/// </summary>
public sealed class LongPieceTests
{
    private static Llama3Tokenizer Tok => Llama3Tokenizer.LoadEmbedded();

    private static readonly string[] Alphabets = ["abcdefghij", "aeiou", "xyz", "éèêàç", "абвгд", "日本語中文", "😀🎉", "!?.,;-"];

    /// <summary>Random words of 257–606 characters from one alphabet each: letters, accents, Cyrillic, CJK, emoji, punctuation (each one piece for the pre-tokenizer).</summary>
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_long_word_gets_the_tokens_the_library_gives_it(int seed)
    {
        var rng = new Random(seed);
        var alphabet = Alphabets[seed % Alphabets.Length];
        var runes = alphabet.EnumerateRunes().ToArray();
        var word = new StringBuilder();
        int length = 257 + rng.Next(350);
        while (word.Length < length)
            word.Append(runes[rng.Next(runes.Length)].ToString());
        var text = word.ToString();

        var expected = Reference(text);
        Assert.Equal(expected, Tok.Encode(text).Ids);
    }

    /// <summary>The library's merge of one piece, however long (slow for long ones, which is the point of the fix).</summary>
    private static int[] Reference(string piece)
    {
        var field = typeof(Llama3Tokenizer).GetField("_bpe", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var bpe = (Microsoft.ML.Tokenizers.TiktokenTokenizer)field.GetValue(Tok)!;
        return [.. bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false)];
    }
}

/// <summary>
/// The timing half of <see cref="LongPieceTests"/>, alone in the timing collection: a ratio of two timings only
/// measures the algorithm's growth when no other test shares the two cores.
/// </summary>
[Collection(nameof(TimingCollection))]
public sealed class LongPieceTimingTests
{
    private static Llama3Tokenizer Tok => Llama3Tokenizer.LoadEmbedded();

    [Fact]
    public void A_one_word_prompt_ten_times_longer_takes_about_ten_times_longer()
    {
        string Word(int n) => string.Concat(Enumerable.Range(0, n).Select(i => (char)('a' + i * 7 % 26)));
        Tok.Encode(Word(10_000));
        double Seconds(int n)
        {
            var text = Word(n);
            var clock = Stopwatch.StartNew();
            int count = Tok.Encode(text).Count;
            Assert.InRange(count, n / 20, n);
            return clock.Elapsed.TotalSeconds;
        }
        double small = Enumerable.Range(0, 3).Min(_ => Seconds(20_000));
        double large = Enumerable.Range(0, 2).Min(_ => Seconds(200_000));
        // n log n: 10 × log(200k)/log(20k) ≈ 12.3; quadratic would be 100. Bound at 30 for a noisy CI box.
        Assert.True(large < 30 * small + 0.05, $"20k letters {small:F3}s, 200k letters {large:F3}s");
        Assert.True(large < 5, $"200k letters took {large:F1}s");
    }
}

/// <summary>Tests that time things run one at a time, after the parallel ones.</summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection;
