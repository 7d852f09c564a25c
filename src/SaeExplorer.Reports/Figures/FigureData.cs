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
