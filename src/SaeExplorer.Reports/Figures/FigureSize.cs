namespace SaeExplorer.Reports.Figures;

/// <summary>
/// The printed size of a figure. PNGs are rendered at <see cref="Dpi"/> (so a 3.5 in figure at 300 dpi is 1050 pixels
/// wide); SVGs get the same physical size in inches.
/// </summary>
public sealed record FigureSize
{
    /// <summary>Journals' usual single-column width (3.5 in), 300 dpi.</summary>
    public static FigureSize SingleColumn { get; } = new(3.5, 2.8);

    /// <summary>Journals' usual double-column (full-page) width (7 in), 300 dpi.</summary>
    public static FigureSize DoubleColumn { get; } = new(7.0, 3.6);

    public FigureSize(double widthInches, double heightInches, int dpi = 300)
    {
        // One inch at 72 dpi is already larger than any axis layout needs; below that ScottPlot's layout collapses.
        if (!(widthInches >= 1 && widthInches <= 40))
            throw new ArgumentOutOfRangeException(nameof(widthInches), widthInches, "a figure is 1 to 40 inches wide.");
        if (!(heightInches >= 1 && heightInches <= 40))
            throw new ArgumentOutOfRangeException(nameof(heightInches), heightInches, "a figure is 1 to 40 inches high.");
        if (dpi < 72 || dpi > 1200)
            throw new ArgumentOutOfRangeException(nameof(dpi), dpi, "resolution is 72 to 1200 dpi.");
        WidthInches = widthInches;
        HeightInches = heightInches;
        Dpi = dpi;
    }

    public double WidthInches { get; }
    public double HeightInches { get; }
    public int Dpi { get; }

    public int WidthPixels => (int)Math.Round(WidthInches * Dpi);
    public int HeightPixels => (int)Math.Round(HeightInches * Dpi);

    public FigureSize WithHeight(double heightInches) => new(WidthInches, heightInches, Dpi);
    public FigureSize WithDpi(int dpi) => new(WidthInches, HeightInches, dpi);
}
