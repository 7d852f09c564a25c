using System.Globalization;
using System.Text;

namespace SaeExplorer.Core.Analysis.Tables;

/// <summary>
/// How text and numbers are typeset in the LaTeX tables: the one owner of escaping and number formatting, shared by
/// <see cref="ContrastTables"/> and the Reports table exporter. Numbers are written in the invariant culture; a
/// negative sign is a math minus (<c>$-$</c>), not a hyphen; NaN (a statistic that is undefined, e.g. a correlation of a
/// constant) is <c>--</c>, an en dash; infinities are <c>$\infty$</c> and <c>$-\infty$</c>.
/// </summary>
public static class LatexText
{
    /// <summary>Where a number switches to scientific notation: below 10^-3 or from 10^5 up (after rounding).</summary>
    private const int SmallestFixedExponent = -3;
    private const int LargestFixedExponent = 4;

    /// <summary>A math minus for text mode, where "-" would print as a hyphen.</summary>
    private const string Minus = "$-$";

    /// <summary>
    /// Escapes text for LaTeX's text mode: <c>&amp; % $ # _ { } ~ ^ \</c> and <c>&lt; &gt; |</c> (which the default
    /// OT1 encoding misprints) print as themselves; a line break becomes a space, since in a table it would end the row.
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '&' => "\\&",
                '%' => "\\%",
                '$' => "\\$",
                '#' => "\\#",
                '_' => "\\_",
                '{' => "\\{",
                '}' => "\\}",
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                '\\' => "\\textbackslash{}",
                '<' => "\\textless{}",
                '>' => "\\textgreater{}",
                '|' => "\\textbar{}",
                '\r' or '\n' => " ",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="label"/> checked as a <c>\label</c> key: ASCII letters, digits and <c>: - _ . /</c> only, since a
    /// key is not text and an escape inside <c>\label</c> would be part of the key (or break it).
    /// </summary>
    public static string Label(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Length == 0 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_' or '.' or '/'))
            throw new ArgumentException($"LaTeX label '{label}' may hold only ASCII letters, digits and : - _ . /", nameof(label));
        return label;
    }

    /// <summary>An integer exactly as it is, with a math minus when negative.</summary>
    public static string Integer(IFormattable integer)
    {
        ArgumentNullException.ThrowIfNull(integer);
        var text = integer.ToString(null, CultureInfo.InvariantCulture);
        return text.StartsWith('-') ? Minus + text[1..] : text;
    }

    /// <summary>
    /// A measured number rounded to <paramref name="significantDigits"/> significant digits. From 10^-3 up to (not
    /// including) 10^5 it is written in fixed notation and keeps all its integer digits (12345.678 is <c>12346</c>);
    /// otherwise in scientific notation, <c>$2.7\times10^{-16}$</c>. A value whose exact decimal form is shorter
    /// (0.83, 52, 1e-5) is written in that form rather than padded with zeros, so a number a table already rounded
    /// on purpose is not given digits it does not have; a value that rounds to trailing zeros keeps them
    /// (0.69999 is <c>0.700</c>). Zero is <c>0</c>.
    /// </summary>
    public static string Number(double value, int significantDigits = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(significantDigits, 1);
        if (NonFinite(value) is { } special) return special;
        if (value == 0) return "0";
        var (mantissa, exponent, digits) = Round(Math.Abs(value), significantDigits);
        if (exponent is < SmallestFixedExponent or > LargestFixedExponent)
            return Scientific(value < 0, mantissa, exponent);
        // Rounding at the same decimal place as Round did, so the digits agree; "F" never drops integer digits.
        var text = Math.Abs(value).ToString("F" + Math.Max(0, digits - 1 - exponent), CultureInfo.InvariantCulture);
        return value < 0 ? Minus + text : text;
    }

    /// <summary>
    /// A p- or q-value: three decimals from 0.001 up (<c>0.049</c>), below that two significant digits in scientific
    /// notation (<c>$1.2\times10^{-5}$</c>). Below 10^-300 it is <c>$&lt;10^{-300}$</c>: the tests compute tails with
    /// <c>Math.Exp</c>, so a p of 0 (or a denormal) is an underflow, and "p = 0" would claim more than was computed.
    /// A value that is not a probability (negative, NaN, infinite) is written as <see cref="Number"/> writes it.
    /// </summary>
    public static string PValue(double p)
    {
        if (!double.IsFinite(p) || p < 0) return Number(p);
        if (p >= 0.001) return p.ToString("F3", CultureInfo.InvariantCulture);
        if (p < 1e-300) return "$<10^{-300}$";
        var (mantissa, exponent, _) = Round(p, 2);
        return Scientific(negative: false, mantissa, exponent);
    }

    /// <summary>A number with a fixed count of decimals (for columns of one scale, e.g. percentages); a value that rounds to zero has no minus.</summary>
    public static string Fixed(double value, int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        if (NonFinite(value) is { } special) return special;
        var text = Math.Abs(value).ToString("F" + decimals, CultureInfo.InvariantCulture);
        return value < 0 && text.Any(c => c is >= '1' and <= '9') ? Minus + text : text;
    }

    private static string? NonFinite(double value) => value switch
    {
        double.NaN => "--",
        double.PositiveInfinity => "$\\infty$",
        double.NegativeInfinity => "$-\\infty$",
        _ => null,
    };

    /// <summary>
    /// A positive finite <paramref name="value"/> rounded to at most <paramref name="significantDigits"/> digits and
    /// no more than its shortest round-trip form has: the mantissa text ("7.34"), the power of ten after rounding
    /// (9.996 to three digits is 10.0, exponent 1) and the digits kept.
    /// </summary>
    private static (string Mantissa, int Exponent, int Digits) Round(double value, int significantDigits)
    {
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var shortestDigits = shortest.Split('E')[0].Replace(".", "", StringComparison.Ordinal).Trim('0').Length;
        var digits = Math.Clamp(shortestDigits, 1, significantDigits);
        var scientific = value.ToString("E" + (digits - 1), CultureInfo.InvariantCulture).Split('E');
        return (scientific[0], int.Parse(scientific[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), digits);
    }

    private static string Scientific(bool negative, string mantissa, int exponent) =>
        $"${(negative ? "-" : "")}{mantissa}\\times10^{{{exponent.ToString(CultureInfo.InvariantCulture)}}}$";
}
