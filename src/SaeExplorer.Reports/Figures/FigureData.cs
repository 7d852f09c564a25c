namespace SaeExplorer.Reports.Figures;

/// <summary>
/// What a figure shows. The kinds are closed (the constructor is private to this assembly) because
/// <see cref="FigureExporter"/> knows how to draw each one.
/// </summary>
public abstract class Figure
{
    private protected Figure(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        Title = title;
    }

    public string Title { get; }

    private protected static string RequireCondition(string? condition, string parameter)
    {
        if (string.IsNullOrWhiteSpace(condition))
            throw new ArgumentException("every entry needs a condition name.", parameter);
        return condition;
    }
}

/// <summary>One point of a 2-D embedding and the condition of the prompt it stands for.</summary>
public readonly record struct ScatterPoint(double X, double Y, string Condition);

/// <summary>
/// A 2-D embedding (UMAP of activations or of SAE features) with each point coloured by its prompt's condition.
/// Tick labels are hidden by default: UMAP coordinates have no meaning of their own.
/// </summary>
public sealed class ConditionScatterFigure : Figure
{
    public ConditionScatterFigure(string title, IReadOnlyList<ScatterPoint> points, string xLabel = "UMAP 1", string yLabel = "UMAP 2", bool showTickLabels = false)
        : base(title)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("a scatter needs at least one point.", nameof(points));
        foreach (var p in points)
        {
            RequireCondition(p.Condition, nameof(points));
            if (!double.IsFinite(p.X) || !double.IsFinite(p.Y))
                throw new ArgumentException($"point ({p.X}, {p.Y}) of condition '{p.Condition}' is not finite.", nameof(points));
        }
        Points = points.ToArray();
        XLabel = xLabel ?? throw new ArgumentNullException(nameof(xLabel));
        YLabel = yLabel ?? throw new ArgumentNullException(nameof(yLabel));
        ShowTickLabels = showTickLabels;
    }

    public IReadOnlyList<ScatterPoint> Points { get; }
    public string XLabel { get; }
    public string YLabel { get; }
    public bool ShowTickLabels { get; }
}

/// <summary>One feature's activation in each prompt of one condition; 0 where the feature is inactive.</summary>
public sealed record ConditionValues(string Condition, IReadOnlyList<double> Values)
{
    /// <summary>Share of the prompts in which the feature is active (value above 0).</summary>
    public double FractionActive => Values.Count == 0 ? 0 : Values.Count(v => v > 0) / (double)Values.Count;
}

/// <summary>
/// A strip plot of one SAE feature: per condition, every prompt's activation as a jittered point (inactive prompts sit
/// on 0), with the share of prompts in which the feature is active printed under the condition's name.
/// </summary>
public sealed class FeatureActivationFigure : Figure
{
    public FeatureActivationFigure(string title, IReadOnlyList<ConditionValues> conditions, string valueLabel = "Activation")
        : base(title)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Count == 0) throw new ArgumentException("a feature figure needs at least one condition.", nameof(conditions));
        foreach (var c in conditions)
        {
            RequireCondition(c.Condition, nameof(conditions));
            ArgumentNullException.ThrowIfNull(c.Values, nameof(conditions));
            if (c.Values.Count == 0) throw new ArgumentException($"condition '{c.Condition}' has no prompts.", nameof(conditions));
            if (c.Values.Any(v => !double.IsFinite(v) || v < 0))
                throw new ArgumentException($"condition '{c.Condition}' has a negative or non-finite activation; SAE activations are ≥ 0 with 0 for inactive.", nameof(conditions));
        }
        if (conditions.Select(c => c.Condition).Distinct(StringComparer.Ordinal).Count() != conditions.Count)
            throw new ArgumentException("a condition is listed twice.", nameof(conditions));
        Conditions = conditions.Select(c => c with { Values = c.Values.ToArray() }).ToArray();
        ValueLabel = valueLabel ?? throw new ArgumentNullException(nameof(valueLabel));
    }

    public IReadOnlyList<ConditionValues> Conditions { get; }
    public string ValueLabel { get; }
}

/// <summary>A mean and its confidence interval (<paramref name="Lower"/> ≤ <paramref name="Mean"/> ≤ <paramref name="Upper"/>).</summary>
public sealed record ConditionEstimate(string Condition, double Mean, double Lower, double Upper);

/// <summary>
/// Bars of a per-condition mean (e.g. active-feature count) with asymmetric confidence-interval error bars (e.g. a
/// bootstrap 95% CI).
/// </summary>
public sealed class ConditionComparisonFigure : Figure
{
    public ConditionComparisonFigure(string title, IReadOnlyList<ConditionEstimate> estimates, string valueLabel = "Mean active features", string intervalLabel = "95% CI")
        : base(title)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        if (estimates.Count == 0) throw new ArgumentException("a comparison needs at least one condition.", nameof(estimates));
        foreach (var e in estimates)
        {
            RequireCondition(e.Condition, nameof(estimates));
            if (!double.IsFinite(e.Mean) || !double.IsFinite(e.Lower) || !double.IsFinite(e.Upper))
                throw new ArgumentException($"condition '{e.Condition}' has a non-finite mean or interval.", nameof(estimates));
            if (!(e.Lower <= e.Mean && e.Mean <= e.Upper))
                throw new ArgumentException($"condition '{e.Condition}': the interval [{e.Lower}, {e.Upper}] does not contain the mean {e.Mean}.", nameof(estimates));
        }
        if (estimates.Select(e => e.Condition).Distinct(StringComparer.Ordinal).Count() != estimates.Count)
            throw new ArgumentException("a condition is listed twice.", nameof(estimates));
        Estimates = estimates.ToArray();
        ValueLabel = valueLabel ?? throw new ArgumentNullException(nameof(valueLabel));
        IntervalLabel = intervalLabel ?? throw new ArgumentNullException(nameof(intervalLabel));
    }

    public IReadOnlyList<ConditionEstimate> Estimates { get; }
    public string ValueLabel { get; }

    /// <summary>What the error bars are, written into the axis label ("Mean active features (±95% CI)").</summary>
    public string IntervalLabel { get; }
}

/// <summary>
/// One observation of a <see cref="ScatterMatrixFigure"/>: a value per variable (in the figure's variable order) and the
/// condition it belongs to. <see cref="double.NaN"/> marks a missing value: the point is left out of every panel that
/// uses that variable (and out of that variable's histogram) but still drawn in the others.
/// </summary>
public sealed record MatrixPoint(IReadOnlyList<double> Values, string Condition);

/// <summary>
/// A scatter-plot matrix (pairs plot) of 2 to 5 variables, e.g. the "quality triangle" of prompt SAE features, answer
/// length and judged quality. Panel (row i, column j) plots variable j (x) against variable i (y), every point coloured
/// and marked by its condition; the diagonal panels name their variable over a per-condition histogram of it. Tick
/// labels and the variable names as axis labels are on the outer row and column only; the legend sits outside the grid.
/// </summary>
public sealed class ScatterMatrixFigure : Figure
{
    /// <summary>The most variables a matrix takes: beyond 5 the panels get too small to read at print size.</summary>
    public const int MaxVariables = 5;

    public ScatterMatrixFigure(string title, IReadOnlyList<string> variables, IReadOnlyList<MatrixPoint> points)
        : base(title)
    {
        ArgumentNullException.ThrowIfNull(variables);
        ArgumentNullException.ThrowIfNull(points);
        if (variables.Count < 2 || variables.Count > MaxVariables)
            throw new ArgumentException($"a scatter matrix shows 2 to {MaxVariables} variables, not {variables.Count}.", nameof(variables));
        if (variables.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("every variable needs a name.", nameof(variables));
        if (variables.Distinct(StringComparer.Ordinal).Count() != variables.Count)
            throw new ArgumentException("a variable is listed twice.", nameof(variables));
        if (points.Count == 0) throw new ArgumentException("a scatter matrix needs at least one point.", nameof(points));
        var copies = new MatrixPoint[points.Count];
        for (var n = 0; n < points.Count; n++)
        {
            var p = points[n] ?? throw new ArgumentException($"point {n} is null.", nameof(points));
            RequireCondition(p.Condition, nameof(points));
            ArgumentNullException.ThrowIfNull(p.Values, nameof(points));
            if (p.Values.Count != variables.Count)
                throw new ArgumentException($"point {n} of condition '{p.Condition}' has {p.Values.Count} values for {variables.Count} variables.", nameof(points));
            for (var v = 0; v < variables.Count; v++)
            {
                if (double.IsInfinity(p.Values[v]))
                    throw new ArgumentException($"point {n} of condition '{p.Condition}' has an infinite '{variables[v]}' ({p.Values[v]}); use NaN for a missing value.", nameof(points));
            }
            copies[n] = p with { Values = p.Values.ToArray() };
        }
        for (var v = 0; v < variables.Count; v++)
        {
            if (copies.All(p => double.IsNaN(p.Values[v])))
                throw new ArgumentException($"variable '{variables[v]}' has no value in any point.", nameof(points));
        }
        Variables = variables.ToArray();
        Points = copies;
    }

    public IReadOnlyList<string> Variables { get; }
    public IReadOnlyList<MatrixPoint> Points { get; }
}

/// <summary>An estimate and its interval (<paramref name="Lower"/> ≤ <paramref name="Estimate"/> ≤ <paramref name="Upper"/>).</summary>
public readonly record struct IntervalPoint(double Estimate, double Lower, double Upper);

/// <summary>
/// One way of estimating a quantity for every category of an <see cref="IntervalSeriesFigure"/> (e.g. the raw and the
/// length-controlled win rate): one point per category in the figure's category order, <c>null</c> where the estimate is
/// not available.
/// </summary>
public sealed record IntervalSeries(string Name, IReadOnlyList<IntervalPoint?> Points);

/// <summary>
/// Estimates with confidence intervals per category (conditions on the x axis), one point per series side by side with
/// a vertical whisker, e.g. the raw and length-controlled win rate of each condition against the reference, or its raw
/// and style-controlled Bradley–Terry strength. A point and its whisker take the colour of the category's condition
/// (<see cref="ConditionPalette"/>); the series are told apart by marker, named in the legend: the first series is a
/// filled circle, the second an open (white-filled) circle, then filled and open squares, then filled and open diamonds.
/// Filled against open keeps the usual pair (raw vs controlled) apart in greyscale print and for colour-blind readers,
/// while colour stays tied to the condition as in every other figure. An optional dashed horizontal reference line
/// marks e.g. a 50% win rate.
/// </summary>
public sealed class IntervalSeriesFigure : Figure
{
    /// <summary>The most series one figure distinguishes (the number of marker kinds).</summary>
    public const int MaxSeries = 6;

    /// <param name="categories">The x-axis categories, usually condition names; drawn in <see cref="ConditionPalette.Order"/>
    /// (seed conditions in their canonical order, any other name in the order given).</param>
    /// <param name="categoryLabel">The x-axis label.</param>
    public IntervalSeriesFigure(string title, IReadOnlyList<string> categories, IReadOnlyList<IntervalSeries> series, string valueLabel, double? referenceLine = null, string categoryLabel = "Condition")
        : base(title)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(series);
        if (categories.Count == 0) throw new ArgumentException("an interval figure needs at least one category.", nameof(categories));
        if (categories.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("every category needs a name.", nameof(categories));
        if (categories.Distinct(StringComparer.Ordinal).Count() != categories.Count)
            throw new ArgumentException("a category is listed twice.", nameof(categories));
        if (series.Count == 0) throw new ArgumentException("an interval figure needs at least one series.", nameof(series));
        if (series.Count > MaxSeries) throw new ArgumentException($"an interval figure tells at most {MaxSeries} series apart, not {series.Count}.", nameof(series));
        foreach (var s in series)
        {
            if (s is null) throw new ArgumentException("a series is null.", nameof(series));
            if (string.IsNullOrWhiteSpace(s.Name)) throw new ArgumentException("every series needs a name.", nameof(series));
            ArgumentNullException.ThrowIfNull(s.Points, nameof(series));
            if (s.Points.Count != categories.Count)
                throw new ArgumentException($"series '{s.Name}' has {s.Points.Count} points for {categories.Count} categories.", nameof(series));
            for (var c = 0; c < categories.Count; c++)
            {
                if (s.Points[c] is not { } p) continue;
                if (!double.IsFinite(p.Estimate) || !double.IsFinite(p.Lower) || !double.IsFinite(p.Upper))
                    throw new ArgumentException($"series '{s.Name}', category '{categories[c]}': the estimate or interval is not finite; pass null where there is none.", nameof(series));
                if (!(p.Lower <= p.Estimate && p.Estimate <= p.Upper))
                    throw new ArgumentException($"series '{s.Name}', category '{categories[c]}': the interval [{p.Lower}, {p.Upper}] does not contain the estimate {p.Estimate}.", nameof(series));
            }
        }
        if (series.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != series.Count)
            throw new ArgumentException("a series is listed twice.", nameof(series));
        if (series.All(s => s.Points.All(p => p is null)))
            throw new ArgumentException("no series has a point in any category.", nameof(series));
        if (referenceLine is { } r && !double.IsFinite(r))
            throw new ArgumentException($"the reference line {r} is not finite.", nameof(referenceLine));
        Categories = categories.ToArray();
        Series = series.Select(s => s with { Points = s.Points.ToArray() }).ToArray();
        ValueLabel = valueLabel ?? throw new ArgumentNullException(nameof(valueLabel));
        ReferenceLine = referenceLine;
        CategoryLabel = categoryLabel ?? throw new ArgumentNullException(nameof(categoryLabel));
    }

    public IReadOnlyList<string> Categories { get; }
    public IReadOnlyList<IntervalSeries> Series { get; }
    public string ValueLabel { get; }
    public double? ReferenceLine { get; }
    public string CategoryLabel { get; }
}

/// <summary>One rung of a <see cref="LadderFigure"/>: an estimate with its interval, coloured by its condition when given.</summary>
public sealed record LadderItem(string Label, double Estimate, double Lower, double Upper, string? Condition = null);

/// <summary>
/// A Bradley–Terry "ladder": the items sorted by estimate, highest on top, each labelled on the y axis with a point and
/// a horizontal confidence-interval whisker in its condition's colour (black without a condition). When some item's
/// condition differs from its label, a legend names the conditions. An optional dashed vertical reference line marks
/// e.g. the reference's strength of 0.
/// </summary>
public sealed class LadderFigure : Figure
{
    public LadderFigure(string title, IReadOnlyList<LadderItem> items, string valueLabel, double? referenceLine = null)
        : base(title)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("a ladder needs at least one item.", nameof(items));
        foreach (var item in items)
        {
            if (item is null) throw new ArgumentException("an item is null.", nameof(items));
            if (string.IsNullOrWhiteSpace(item.Label)) throw new ArgumentException("every item needs a label.", nameof(items));
            if (item.Condition is not null) RequireCondition(item.Condition, nameof(items));
            if (!double.IsFinite(item.Estimate) || !double.IsFinite(item.Lower) || !double.IsFinite(item.Upper))
                throw new ArgumentException($"item '{item.Label}' has a non-finite estimate or interval.", nameof(items));
            if (!(item.Lower <= item.Estimate && item.Estimate <= item.Upper))
                throw new ArgumentException($"item '{item.Label}': the interval [{item.Lower}, {item.Upper}] does not contain the estimate {item.Estimate}.", nameof(items));
        }
        if (items.Select(i => i.Label).Distinct(StringComparer.Ordinal).Count() != items.Count)
            throw new ArgumentException("an item is listed twice.", nameof(items));
        if (referenceLine is { } r && !double.IsFinite(r))
            throw new ArgumentException($"the reference line {r} is not finite.", nameof(referenceLine));
        // Highest estimate first; ties keep the order given (OrderByDescending is stable).
        Items = items.OrderByDescending(i => i.Estimate).ToArray();
        ValueLabel = valueLabel ?? throw new ArgumentNullException(nameof(valueLabel));
        ReferenceLine = referenceLine;
    }

    /// <summary>The items from the highest estimate (top rung) to the lowest.</summary>
    public IReadOnlyList<LadderItem> Items { get; }
    public string ValueLabel { get; }
    public double? ReferenceLine { get; }
}
