namespace SaeExplorer.Reports.Figures;

/// <summary>
/// Type and mark sizes in printer's points (1/72 in), so they read the same at any resolution. The defaults follow
/// common journal guidance: 7–9 pt text at the printed size.
/// </summary>
public sealed record FigureStyle
{
    public static FigureStyle Default { get; } = new();

    public double TitlePoints { get; init; } = 9;
    public double AxisLabelPoints { get; init; } = 8;
    public double TickLabelPoints { get; init; } = 7;
    public double LegendPoints { get; init; } = 7;

    /// <summary>Scatter marker diameter.</summary>
    public double ScatterMarkerPoints { get; init; } = 4;

    /// <summary>Strip-plot marker diameter (smaller: many prompts share a column).</summary>
    public double StripMarkerPoints { get; init; } = 3;

    /// <summary>Bar outline, error bar and axis line width.</summary>
    public double LineWidthPoints { get; init; } = 0.75;
}
