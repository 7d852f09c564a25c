using SaeExplorer.Core.Analysis.Tables;

namespace SaeExplorer.Core.Tests.Analysis.Tables;

public sealed class LatexTextTests
{
    [Theory]
    [InlineData("&", "\\&")]
    [InlineData("%", "\\%")]
    [InlineData("$", "\\$")]
    [InlineData("#", "\\#")]
    [InlineData("_", "\\_")]
    [InlineData("{", "\\{")]
    [InlineData("}", "\\}")]
    [InlineData("~", "\\textasciitilde{}")]
    [InlineData("^", "\\textasciicircum{}")]
    [InlineData("\\", "\\textbackslash{}")]
    [InlineData("<>|", "\\textless{}\\textgreater{}\\textbar{}")]
    [InlineData("a\nb", "a b")]
    [InlineData("novice_vs_expert: 50% & more", "novice\\_vs\\_expert: 50\\% \\& more")]
    [InlineData("\\textbf{x}", "\\textbackslash{}textbf\\{x\\}")]
    public void Escape_makes_special_characters_print_as_themselves(string text, string expected)
    {
        Assert.Equal(expected, LatexText.Escape(text));
    }

    [Theory]
    [InlineData(0.7343999999999999, "0.734")]
    [InlineData(-0.7343999999999999, "$-$0.734")]
    [InlineData(12345.678, "12346")]
    [InlineData(131.5, "132")]
    [InlineData(9.996, "10.0")]
    [InlineData(0.69999, "0.700")]
    [InlineData(0.83, "0.83")]
    [InlineData(52.0, "52")]
    [InlineData(0.001, "0.001")]
    [InlineData(0.0012345, "0.00123")]
    [InlineData(0.000999, "$9.99\\times10^{-4}$")]
    [InlineData(2.7e-16, "$2.7\\times10^{-16}$")]
    [InlineData(-2.7e-16, "$-2.7\\times10^{-16}$")]
    [InlineData(1e-5, "$1\\times10^{-5}$")]
    [InlineData(99999.6, "$1.00\\times10^{5}$")]
    [InlineData(123456789.0, "$1.23\\times10^{8}$")]
    [InlineData(0.0, "0")]
    [InlineData(double.NaN, "--")]
    [InlineData(double.PositiveInfinity, "$\\infty$")]
    [InlineData(double.NegativeInfinity, "$-\\infty$")]
    public void Number_keeps_three_significant_digits(double value, string expected)
    {
        Assert.Equal(expected, LatexText.Number(value));
    }

    [Fact]
    public void Negative_zero_has_no_minus()
    {
        Assert.Equal("0", LatexText.Number(-0.0));
    }

    [Theory]
    [InlineData(0.049, "0.049")]
    [InlineData(0.5, "0.500")]
    [InlineData(1.0, "1.000")]
    [InlineData(0.001, "0.001")]
    [InlineData(0.000999999, "$1.0\\times10^{-3}$")]
    [InlineData(1.23e-5, "$1.2\\times10^{-5}$")]
    [InlineData(2.7e-16, "$2.7\\times10^{-16}$")]
    [InlineData(0.0, "$<10^{-300}$")]
    [InlineData(double.NaN, "--")]
    public void PValue_is_scientific_below_a_thousandth(double p, string expected)
    {
        Assert.Equal(expected, LatexText.PValue(p));
    }

    [Fact]
    public void Fixed_and_integers_keep_their_digits_with_a_math_minus()
    {
        Assert.Equal("$-$1.5", LatexText.Fixed(-1.5, 1));
        Assert.Equal("0.00", LatexText.Fixed(-0.0004, 2));
        Assert.Equal("$\\infty$", LatexText.Fixed(double.PositiveInfinity, 2));
        Assert.Equal("--", LatexText.Fixed(double.NaN, 2));
        Assert.Equal("$-$5", LatexText.Integer(-5));
        Assert.Equal("9223372036854775807", LatexText.Integer(long.MaxValue));
        Assert.Equal("123456789012345678901234567890", LatexText.Integer(UInt128.Parse("123456789012345678901234567890", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Label_accepts_only_key_characters()
    {
        Assert.Equal("tab:contrast_novice-vs.expert/1", LatexText.Label("tab:contrast_novice-vs.expert/1"));
        Assert.Throws<ArgumentException>(() => LatexText.Label("tab:a b"));
        Assert.Throws<ArgumentException>(() => LatexText.Label("tab:{x}"));
        Assert.Throws<ArgumentException>(() => LatexText.Label(""));
    }
}
