namespace SaeExplorer.Web.Application.Umap;

/// <summary>What colours a map's points.</summary>
public enum UmapColour
{
    Condition,
    Topic,
    Feature,
}

/// <summary>
/// One trace of a map: the rows of <see cref="UmapView.Points"/> it draws, in drawing order, and for a feature each
/// row's value (null for a group of one colour).
/// </summary>
public sealed record UmapTrace(string Name, IReadOnlyList<int> Rows, IReadOnlyList<double>? Values)
{
    /// <summary>The top of the colour scale: the largest value, or 1 when there is none above 0 (a scale needs a width).</summary>
    public double ScaleMax => Values is { Count: > 0 } values && values.Max() > 0 ? values.Max() : 1;
}

/// <summary>How a map's prompts are split into traces for each way of colouring them.</summary>
public static class UmapColouring
{
    /// <summary>A trace per condition, in the legend's order.</summary>
    public static IReadOnlyList<UmapTrace> ByCondition(UmapView view) => Groups(view, view.Conditions, p => p.Condition);

    /// <summary>A trace per topic, in the prompt set's order.</summary>
    public static IReadOnlyList<UmapTrace> ByTopic(UmapView view) => Groups(view, view.Topics, p => p.Topic);

    /// <summary>
    /// One trace of every prompt with its value of the feature, smallest first: Plotly draws later points on top, so
    /// the prompts where the feature fires are not hidden under the many where it does not.
    /// </summary>
    public static UmapTrace ByFeature(UmapView view, UmapFeatureValues values)
    {
        if (values.RunId != view.RunId || values.Pooling != view.Pooling)
            throw new ArgumentException($"the values are of run {values.RunId} ({values.Pooling}), the map of run {view.RunId} ({view.Pooling}).", nameof(values));
        var value = view.Points.Select(p => values.ByPrompt[p.PromptId]).ToArray();
        var rows = Enumerable.Range(0, value.Length).OrderBy(i => value[i]).ThenBy(i => i).ToList();
        return new UmapTrace($"feature {values.Feature}", rows, rows.Select(i => value[i]).ToList());
    }

    private static IReadOnlyList<UmapTrace> Groups(UmapView view, IReadOnlyList<string> names, Func<UmapPoint, string> key) =>
        names.Select(name => new UmapTrace(name, Enumerable.Range(0, view.Points.Count).Where(i => key(view.Points[i]) == name).ToList(), null)).ToList();
}
