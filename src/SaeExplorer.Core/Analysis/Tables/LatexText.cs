using System.Globalization;
using System.Text;

namespace SaeExplorer.Core.Analysis.Tables;

/// <summary>LaTeX text helpers.</summary>
public static class LatexText
{
    /// <summary>Escapes the ten characters special in LaTeX text mode (\ { } $ &amp; # ^ _ % ~).</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            sb.Append(c switch
            {
                '\\' => "\\textbackslash{}",
                '{' => "\\{",
                '}' => "\\}",
                '$' => "\\$",
                '&' => "\\&",
                '#' => "\\#",
                '_' => "\\_",
                '%' => "\\%",
                '^' => "\\textasciicircum{}",
                '~' => "\\textasciitilde{}",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>
    /// A p- or q-value for a table: three decimals from 0.001 up, otherwise two significant digits as
    /// <c>$m\times10^{e}$</c>; 0 (underflow) as <c>$&lt;10^{-300}$</c>.
    /// </summary>
    public static string PValue(double p)
    {
        if (p >= 0.001)
            return p.ToString("F3", CultureInfo.InvariantCulture);
        if (p < 1e-300)
            return "$<10^{-300}$";
        int exponent = (int)Math.Floor(Math.Log10(p));
        double mantissa = p / Math.Pow(10, exponent);
        string m = mantissa.ToString("F1", CultureInfo.InvariantCulture);
        if (m == "10.0")
        {
            exponent++;
            m = "1.0";
        }
        return $"${m}\\times10^{{{exponent}}}$";
    }
}
