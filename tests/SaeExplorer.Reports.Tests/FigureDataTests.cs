using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

public sealed class FigureDataTests
{
    [Fact]
    public void Seed_conditions_have_fixed_okabe_ito_colours()
    {
        var p = ConditionPalette.Default;
        Assert.Equal("#0072B2", p.ColorOf("standard").ToHex());
        Assert.Equal("#E69F00", p.ColorOf("padding").ToHex());
        Assert.Equal("#009E73", p.ColorOf("spaces").ToHex());
        Assert.Equal("#D55E00", p.ColorOf("novice").ToHex());
        Assert.Equal("#CC79A7", p.ColorOf("expert").ToHex());
        Assert.Equal("#56B4E9", p.ColorOf("guru").ToHex());
        Assert.Equal(6, ConditionPalette.SeedConditions.Select(p.ColorOf).Distinct().Count());
        Assert.Equal(6, ConditionPalette.SeedConditions.Select(c => p.StyleOf(c).Marker).Distinct().Count());
    }

    [Fact]
    public void Other_conditions_get_a_stable_colour_outside_the_seed_colours()
    {
        var seed = ConditionPalette.SeedConditions.Select(ConditionPalette.Default.ColorOf).ToHashSet();
        foreach (var name in new[] { "rest", "pirate", "Novice", "" + "shakespeare" })
        {
            var style = ConditionPalette.Default.StyleOf(name);
            Assert.Equal(style, new ConditionPalette(new Dictionary<string, ConditionStyle>()).StyleOf(name));
            Assert.DoesNotContain(style.Color, seed);
        }
        // FNV-1a("pirate") is fixed, so this holds on every machine and in every process (string.GetHashCode would not).
        Assert.Equal(ConditionPalette.Default.StyleOf("pirate"), ConditionPalette.Default.StyleOf(new string("pirate".ToCharArray())));
    }

    [Fact]
    public void Pinned_styles_override_the_defaults()
    {
        var pinned = new ConditionPalette(new Dictionary<string, ConditionStyle>
        {
            ["novice"] = new(RgbColor.FromHex("#123456"), ConditionMarker.Square),
            ["pirate"] = new(ConditionPalette.OkabeIto.Yellow, ConditionMarker.Diamond),
        });
        Assert.Equal("#123456", pinned.ColorOf("novice").ToHex());
        Assert.Equal(ConditionPalette.OkabeIto.Yellow, pinned.ColorOf("pirate"));
        Assert.Equal(ConditionPalette.Default.ColorOf("expert"), pinned.ColorOf("expert"));
    }

    [Fact]
    public void Conditions_are_ordered_seed_first_then_by_first_appearance()
    {
        Assert.Equal(["standard", "novice", "guru", "zeta", "alpha"], ConditionPalette.Order(["zeta", "guru", "novice", "alpha", "zeta", "standard"]));
    }

    [Fact]
    public void Rgb_hex_round_trips_and_rejects_malformed_text()
    {
        Assert.Equal(new RgbColor(0xCC, 0x79, 0xA7), RgbColor.FromHex("#cc79a7"));
        Assert.Equal("#CC79A7", new RgbColor(0xCC, 0x79, 0xA7).ToHex());
        Assert.Throws<FormatException>(() => RgbColor.FromHex("CC79A7"));
        Assert.Throws<FormatException>(() => RgbColor.FromHex("#CC79AZ"));
    }

    [Fact]
    public void Figure_sizes_convert_inches_to_pixels()
    {
        Assert.Equal((1050, 840), (FigureSize.SingleColumn.WidthPixels, FigureSize.SingleColumn.HeightPixels));
        Assert.Equal(2100, FigureSize.DoubleColumn.WidthPixels);
        Assert.Equal(4200, FigureSize.DoubleColumn.WithDpi(600).WidthPixels);
        Assert.Equal(1500, FigureSize.SingleColumn.WithHeight(5).HeightPixels);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FigureSize(0.5, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FigureSize(3.5, 2, 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FigureSize(double.NaN, 2));
    }

    [Fact]
    public void Fraction_active_counts_values_above_zero()
    {
        Assert.Equal(0.5, new ConditionValues("novice", [0, 0, 1.5, 2.0]).FractionActive);
        Assert.Equal(0, new ConditionValues("novice", [0, 0]).FractionActive);
    }

    [Fact]
    public void Bad_figure_input_is_refused_with_the_condition_named()
    {
        var ci = Assert.Throws<ArgumentException>(() => new ConditionComparisonFigure("t", [new ConditionEstimate("novice", 10, 11, 12)]));
        Assert.Contains("novice", ci.Message);
        Assert.Throws<ArgumentException>(() => new ConditionComparisonFigure("t", [new ConditionEstimate("a", 1, 0, 2), new ConditionEstimate("a", 1, 0, 2)]));
        Assert.Throws<ArgumentException>(() => new ConditionComparisonFigure("t", [new ConditionEstimate("a", double.NaN, 0, 2)]));
        Assert.Throws<ArgumentException>(() => new ConditionComparisonFigure("t", []));
        var negative = Assert.Throws<ArgumentException>(() => new FeatureActivationFigure("t", [new ConditionValues("guru", [1, -0.5])]));
        Assert.Contains("guru", negative.Message);
        Assert.Throws<ArgumentException>(() => new FeatureActivationFigure("t", [new ConditionValues("guru", [])]));
        Assert.Throws<ArgumentException>(() => new ConditionScatterFigure("t", [new ScatterPoint(double.PositiveInfinity, 0, "a")]));
        Assert.Throws<ArgumentException>(() => new ConditionScatterFigure("t", [new ScatterPoint(0, 0, " ")]));
        Assert.Throws<ArgumentException>(() => new ConditionScatterFigure("t", []));
    }

    [Fact]
    public void Figures_copy_their_input()
    {
        var points = new List<ScatterPoint> { new(0, 0, "novice") };
        var figure = new ConditionScatterFigure("t", points);
        points.Add(new ScatterPoint(1, 1, "expert"));
        Assert.Single(figure.Points);
    }
}
