using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace SaeExplorer.Inference.Tokenization;

/// <summary>
/// Splits text the way the Hugging Face Llama 3 tokenizer does before BPE: special-token text
/// (<c>&lt;|eot_id|&gt;</c> …) is cut out first, and every other segment is split with the Llama 3
/// pattern
/// <code>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</code>
/// </summary>
/// <remarks>
/// Why hand-written instead of a .NET <see cref="System.Text.RegularExpressions.Regex"/>: .NET regexes
/// match UTF-16 code units, so a character outside the BMP is two surrogates of category Cs, never
/// <c>\p{L}</c>. That changes the split around emoji and astral letters: "🧪test" is one piece for
/// Oniguruma (the reference engine: 🧪 fills <c>[^\r\n\p{L}\p{N}]?</c>) but "🧪" + "test" for .NET.
/// This scanner evaluates the same alternation, leftmost-first with the same greedy/backtracking
/// outcome, on Unicode code points. Offsets returned are UTF-16 (what ML.Tokenizers expects).
/// </remarks>
internal sealed class Llama3PreTokenizer : PreTokenizer
{
    /// <summary>The pattern this class implements; a tokenizer.json must use exactly this to be accepted.</summary>
    public const string Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly SpecialTokenMatcher _specials;

    public Llama3PreTokenizer(SpecialTokenMatcher specials) => _specials = specials;

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return PreTokenize(text.AsSpan());
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        var result = new List<(int Offset, int Length)>();
        Split(text, result);
        return result;
    }

    /// <summary>Appends the pieces of <paramref name="text"/> (special tokens as whole pieces) to <paramref name="pieces"/>.</summary>
    public void Split(ReadOnlySpan<char> text, List<(int Offset, int Length)> pieces)
    {
        int segmentStart = 0;
        int pos = 0;
        while (pos < text.Length)
        {
            int len = _specials.StartsAny(text[pos]) ? _specials.MatchAt(text, pos) : 0;
            if (len > 0)
            {
                SplitOrdinary(text, segmentStart, pos, pieces);
                pieces.Add((pos, len));
                pos += len;
                segmentStart = pos;
            }
            else
            {
                pos++;
            }
        }
        SplitOrdinary(text, segmentStart, text.Length, pieces);
    }

    private enum CharClass : byte { Letter, Number, Space, Newline, Other }

    private const int MaxCachedSegment = 4096;

    // Scratch buffers for one segment: code point classes and their UTF-16 start indices.
    [ThreadStatic] private static CharClass[]? t_classes;
    [ThreadStatic] private static int[]? t_starts;
    [ThreadStatic] private static int[]? t_values;

    private static void SplitOrdinary(ReadOnlySpan<char> text, int from, int to, List<(int, int)> pieces)
    {
        if (from >= to) return;
        int maxCps = to - from;
        CharClass[] classes;
        int[] starts, values;
        if (maxCps > MaxCachedSegment)
        {
            // A huge segment gets one-off buffers so a thread doesn't keep megabytes alive afterwards.
            classes = new CharClass[maxCps];
            starts = new int[maxCps + 1];
            values = new int[maxCps];
        }
        else
        {
            classes = t_classes ??= new CharClass[MaxCachedSegment];
            starts = t_starts ??= new int[MaxCachedSegment + 1];
            values = t_values ??= new int[MaxCachedSegment];
        }

        int n = 0;
        for (int i = from; i < to;)
        {
            Rune.DecodeFromUtf16(text[i..to], out Rune rune, out int consumed);
            starts[n] = i;
            values[n] = rune.Value;
            classes[n] = Classify(rune);
            n++;
            i += consumed;
        }
        starts[n] = to;

        int p = 0;
        while (p < n)
        {
            int end = MatchAt(classes, values, p, n);
            pieces.Add((starts[p], starts[end] - starts[p]));
            p = end;
        }
    }

    private static CharClass Classify(Rune rune)
    {
        if (rune.Value is '\r' or '\n') return CharClass.Newline;
        // Rune.IsWhiteSpace is the Unicode White_Space property, the set \s matches in the reference.
        if (Rune.IsWhiteSpace(rune)) return CharClass.Space;
        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                return CharClass.Letter;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return CharClass.Number;
            default:
                return CharClass.Other;
        }
    }

    private static bool IsWs(CharClass c) => c is CharClass.Space or CharClass.Newline;

    /// <summary>Returns the exclusive end (code point index) of the regex match starting at <paramref name="i"/>.</summary>
    private static int MatchAt(CharClass[] cls, int[] val, int i, int n)
    {
        // 1. (?i:'s|'t|'re|'ve|'m|'ll|'d) — apostrophe U+0027 only; Oniguruma's case folding also
        //    lets U+017F (long s) match 's'.
        if (val[i] == '\'' && i + 1 < n)
        {
            int a = FoldAscii(val[i + 1]);
            if (a is 's' or 't' or 'm' or 'd') return i + 2;
            if (i + 2 < n)
            {
                int b = FoldAscii(val[i + 2]);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
            }
        }

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        {
            int j = i;
            if (cls[j] is CharClass.Space or CharClass.Other && j + 1 < n && cls[j + 1] == CharClass.Letter) j++;
            if (cls[j] == CharClass.Letter)
            {
                while (j < n && cls[j] == CharClass.Letter) j++;
                return j;
            }
        }

        // 3. \p{N}{1,3}
        if (cls[i] == CharClass.Number)
        {
            int j = i + 1;
            while (j < n && j < i + 3 && cls[j] == CharClass.Number) j++;
            return j;
        }

        // 4.  ?[^\s\p{L}\p{N}]+[\r\n]*
        {
            int j = val[i] == ' ' && i + 1 < n && cls[i + 1] == CharClass.Other ? i + 1 : i;
            if (cls[j] == CharClass.Other)
            {
                while (j < n && cls[j] == CharClass.Other) j++;
                while (j < n && cls[j] == CharClass.Newline) j++;
                return j;
            }
        }

        // The rest all start with whitespace; measure the whitespace run [i, k).
        int k = i;
        while (k < n && IsWs(cls[k])) k++;
        if (k == i)
            throw new InvalidOperationException("Llama 3 pre-tokenizer: no alternative matched (unreachable).");

        // 5. \s*[\r\n]+ — backtracking leaves the match ending just after the run's last \r or \n.
        for (int j = k - 1; j >= i; j--)
            if (cls[j] == CharClass.Newline) return j + 1;

        // 6. \s+(?!\S) — the whole run at end of text, else the run minus its last character (if ≥ 2).
        if (k == n) return k;
        if (k - i >= 2) return k - 1;

        // 7. \s+
        return k;
    }

    private static int FoldAscii(int cp) => cp switch
    {
        >= 'A' and <= 'Z' => cp + 32,
        0x017F => 's', // LATIN SMALL LETTER LONG S case-folds to 's'
        _ => cp,
    };
}

/// <summary>
/// Finds special-token text (all of the form <c>&lt;|…|&gt;</c> in Llama 3) at a position, longest
/// match first, the way Hugging Face's added-token matcher does.
/// </summary>
internal sealed class SpecialTokenMatcher
{
    private readonly Dictionary<string, int> _tokens;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _minLength;
    private readonly int _maxLength;
    private readonly HashSet<char> _firstChars;

    public SpecialTokenMatcher(IReadOnlyDictionary<string, int> tokens)
    {
        _tokens = new Dictionary<string, int>(tokens, StringComparer.Ordinal);
        _lookup = _tokens.GetAlternateLookup<ReadOnlySpan<char>>();
        _minLength = _tokens.Count == 0 ? 1 : _tokens.Keys.Min(k => k.Length);
        _maxLength = _tokens.Count == 0 ? 0 : _tokens.Keys.Max(k => k.Length);
        _firstChars = [.. _tokens.Keys.Where(k => k.Length > 0).Select(k => k[0])];
    }

    public bool StartsAny(char c) => _firstChars.Contains(c);

    /// <summary>Length of the longest special token starting at <paramref name="pos"/>, or 0.</summary>
    public int MatchAt(ReadOnlySpan<char> text, int pos)
    {
        int longest = Math.Min(_maxLength, text.Length - pos);
        for (int len = longest; len >= _minLength; len--)
            if (_lookup.ContainsKey(text.Slice(pos, len))) return len;
        return 0;
    }
}
