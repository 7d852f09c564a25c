using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Reports.Tests;

public sealed class QualityFigureDataTests
{
    private static readonly MatrixPoint[] TwoPoints = [new([1, 2], "novice"), new([3, 4], "expert")];

    [Fact]
    public void A_matrix_takes_2_to_5_distinct_named_variables()
    {
        Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["a"], [new MatrixPoint([1], "novice")]));
        var six = Enumerable.Range(0, 6).Select(i => $"v{i}").ToArray();
        var tooMany = Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", six, [new MatrixPoint(new double[6], "novice")]));
        Assert.Contains("6", tooMany.Message);
        Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["a", "a"], TwoPoints));
        Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["a", " "], TwoPoints));
        Assert.Equal(5, new ScatterMatrixFigure("t", six[..5], [new MatrixPoint(new double[5], "novice")]).Variables.Count);
    }

    [Fact]
    public void Bad_matrix_points_are_refused_with_the_point_named()
    {
        Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["a", "b"], []));
        var count = Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["a", "b"], [new MatrixPoint([1, 2, 3], "guru")]));
        Assert.Contains("guru", count.Message);
        var infinite = Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["tokens", "score"], [.. TwoPoints, new MatrixPoint([1, double.PositiveInfinity], "padding")]));
        Assert.Contains("point 2", infinite.Message);
        Assert.Contains("padding", infinite.Message);
        Assert.Contains("score", infinite.Message);
        Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["a", "b"], [new MatrixPoint([1, 2], " ")]));
        // A variable without a single value has nothing to draw.
        var empty = Assert.Throws<ArgumentException>(() => new ScatterMatrixFigure("t", ["tokens", "score"], [new MatrixPoint([1, double.NaN], "novice"), new MatrixPoint([2, double.NaN], "expert")]));
        Assert.Contains("score", empty.Message);
    }

    [Fact]
    public void Missing_matrix_values_are_kept_as_NaN_and_the_input_is_copied()
    {
        var values = new List<double> { 1, double.NaN };
        var points = new List<MatrixPoint> { new(values, "novice"), new([2, 5], "expert") };
        var figure = new ScatterMatrixFigure("t", ["a", "b"], points);
        values[0] = 99;
        points.Add(new MatrixPoint([0, 0], "guru"));
        Assert.Equal(2, figure.Points.Count);
        Assert.Equal(1, figure.Points[0].Values[0]);
        Assert.True(double.IsNaN(figure.Points[0].Values[1]));
    }

    [Fact]
    public void Bad_interval_series_are_refused_with_the_series_and_category_named()
    {
        string[] categories = ["novice", "expert"];
        IntervalSeries Raw(params IntervalPoint?[] points) => new("raw", points);
        static IntervalPoint P(double estimate, double lower, double upper) => new(estimate, lower, upper);

        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", [], [Raw()], "v"));
        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", ["novice", "novice"], [Raw(null, P(1, 0, 2))], "v"));
        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [], "v"));
        var length = Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [Raw(P(1, 0, 2))], "v"));
        Assert.Contains("raw", length.Message);
        var nan = Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [Raw(P(1, 0, 2), P(double.NaN, 0, 2))], "v"));
        Assert.Contains("raw", nan.Message);
        Assert.Contains("expert", nan.Message);
        var infiniteBound = Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [Raw(P(1, double.NegativeInfinity, 2), null)], "v"));
        Assert.Contains("novice", infiniteBound.Message);
        var outside = Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [Raw(P(3, 0, 2), null)], "v"));
        Assert.Contains("novice", outside.Message);
        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [Raw(null, null)], "v"));
        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [Raw(P(1, 0, 2), null), Raw(null, P(1, 0, 2))], "v"));
        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [new IntervalSeries(" ", [new(1, 0, 2), null])], "v"));
        var seven = Enumerable.Range(0, 7).Select(i => new IntervalSeries($"s{i}", [new(1, 0, 2), null])).ToArray();
        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, seven, "v"));
        Assert.Throws<ArgumentException>(() => new IntervalSeriesFigure("t", categories, [Raw(P(1, 0, 2), null)], "v", referenceLine: double.NaN));
    }

    [Fact]
    public void Interval_series_keep_their_nulls_and_copy_the_input()
    {
        var points = new IntervalPoint?[] { new(50, 40, 60), null };
        var figure = new IntervalSeriesFigure("t", ["novice", "expert"], [new IntervalSeries("raw", points)], "Win rate (%)", referenceLine: 50);
        points[1] = new IntervalPoint(1, 0, 2);
        Assert.Null(figure.Series[0].Points[1]);
        Assert.Equal(50, figure.ReferenceLine);
        Assert.Equal("Condition", figure.CategoryLabel);
    }

    [Fact]
    public void Bad_ladder_items_are_refused_with_the_item_named()
    {
        Assert.Throws<ArgumentException>(() => new LadderFigure("t", [], "v"));
        var nan = Assert.Throws<ArgumentException>(() => new LadderFigure("t", [new LadderItem("guru", double.NaN, 0, 1, "guru")], "v"));
        Assert.Contains("guru", nan.Message);
        var infinite = Assert.Throws<ArgumentException>(() => new LadderFigure("t", [new LadderItem("model B", 0.5, 0, double.PositiveInfinity, null)], "v"));
        Assert.Contains("model B", infinite.Message);
        var outside = Assert.Throws<ArgumentException>(() => new LadderFigure("t", [new LadderItem("expert", 2, 0, 1, "expert")], "v"));
        Assert.Contains("expert", outside.Message);
        Assert.Throws<ArgumentException>(() => new LadderFigure("t", [new LadderItem("a", 0, 0, 0), new LadderItem("a", 1, 1, 1)], "v"));
        Assert.Throws<ArgumentException>(() => new LadderFigure("t", [new LadderItem(" ", 0, 0, 0)], "v"));
        Assert.Throws<ArgumentException>(() => new LadderFigure("t", [new LadderItem("a", 0, 0, 0, " ")], "v"));
    }

    [Fact]
    public void Ladder_items_are_sorted_highest_first_with_ties_in_the_order_given()
    {
        var figure = new LadderFigure("t", [
            new LadderItem("low", -1, -2, 0),
            new LadderItem("tie A", 0.5, 0, 1),
            new LadderItem("high", 2, 1, 3),
            new LadderItem("tie B", 0.5, 0, 1),
        ], "Log-odds");
        Assert.Equal(["high", "tie A", "tie B", "low"], figure.Items.Select(i => i.Label));
        Assert.Equal([3.0, 2.0, 1.0, 0.0], figure.Items.Select((_, rank) => FigureExporter.LadderPosition(rank, figure.Items.Count)));
    }

    [Fact]
    public void Series_sit_side_by_side_around_their_category()
    {
        Assert.Equal(0, FigureExporter.IntervalOffset(0, 1));
        Assert.Equal(-FigureExporter.IntervalOffset(1, 2), FigureExporter.IntervalOffset(0, 2));
        Assert.True(FigureExporter.IntervalOffset(1, 2) > 0);
        // Six series still fit inside their category (±0.3 of the 1.0 between categories).
        Assert.InRange(FigureExporter.IntervalOffset(5, 6), 0.2, 0.3);
        Assert.Equal(6, Enumerable.Range(0, 6).Select(FigureExporter.SeriesMarker).Distinct().Count());
    }
}
