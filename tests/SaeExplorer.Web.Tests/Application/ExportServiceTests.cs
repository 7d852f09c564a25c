using System.Buffers.Binary;
using System.Text;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Web.Application.Exports;

namespace SaeExplorer.Web.Tests.Application;

public sealed class ExportServiceTests
{
    private static readonly ConditionComparisonFigure Figure = new("Active features",
        [new ConditionEstimate("novice", 35.6, 33.0, 38.1), new ConditionEstimate("expert", 29.6, 27.2, 31.9)]);

    [Fact]
    public void A_png_export_is_a_300_dpi_png_of_the_column_size()
    {
        var file = new ExportService().Figure(Figure, FigureFormat.Png, FigureSize.DoubleColumn, "condition_counts");
        Assert.Equal("condition_counts.png", file.FileName);
        Assert.Equal("image/png", file.ContentType);
        var png = file.Content;
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(2100, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));   // 7.0 in × 300 dpi
        Assert.Equal(1080, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));   // 3.6 in × 300 dpi
        int phys = png.AsSpan().IndexOf("pHYs"u8);
        Assert.True(phys > 0);
        Assert.Equal(11811, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(phys + 4)));  // 300 dpi in pixels per metre
    }

    [Fact]
    public void An_svg_export_is_svg_text_with_the_labels()
    {
        var file = new ExportService().Figure(Figure, FigureFormat.Svg, FigureSize.SingleColumn, "c");
        var svg = Encoding.UTF8.GetString(file.Content);
        Assert.StartsWith("<svg", svg.TrimStart());
        Assert.Contains("novice", svg);
        Assert.Contains("expert", svg);
    }

    [Fact]
    public void Tables_export_as_csv_json_and_latex()
    {
        var table = new Table(["condition", "mean_active"], [["novice", 35.5], ["a&b", 2]]);
        Assert.Equal("condition,mean_active\nnovice,35.5\na&b,2\n", Encoding.UTF8.GetString(ExportService.Table(table, TableFormat.Csv, "t").Content).Replace("\r\n", "\n"));
        Assert.Contains("\"mean_active\": 35.5", Encoding.UTF8.GetString(ExportService.Table(table, TableFormat.Json, "t").Content));
        var tex = ExportService.Table(table, TableFormat.Latex, "t", "Counts");
        Assert.Equal("t.tex", tex.FileName);
        Assert.Contains(@"a\&b", Encoding.UTF8.GetString(tex.Content));
        Assert.Contains(@"\caption{Counts}", Encoding.UTF8.GetString(tex.Content));
    }

    [Fact]
    public void A_latex_export_without_a_caption_is_captioned_from_its_stem()
    {
        // "feature 12 (novice vs expert)" is the stem feature_12__novice_vs_expert_: its label needs a caption to refer to.
        var tex = ExportService.Table(new Table(["n"], [[1]]), TableFormat.Latex, ExportService.Stem("feature 12 (novice vs expert)"));
        Assert.Contains("\\caption{Feature 12 novice vs expert}\\label{tab:feature_12__novice_vs_expert_}\n", Encoding.UTF8.GetString(tex.Content));
    }

    [Theory]
    [InlineData("feature 12 (novice vs expert)", "feature_12__novice_vs_expert_")]
    [InlineData("umap-features", "umap-features")]
    [InlineData("../../etc", ".._.._etc")]
    [InlineData("", "export")]
    public void File_stems_keep_only_safe_characters(string title, string stem) => Assert.Equal(stem, ExportService.Stem(title));
}
