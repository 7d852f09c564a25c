using System.Text;
using Mediator;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Web.Application.Exports;

/// <summary>A file for the browser to download.</summary>
public sealed record ExportFile(string FileName, string ContentType, byte[] Content);

public enum FigureFormat
{
    Png,
    Svg,
}

public enum TableFormat
{
    Csv,
    Json,
    Latex,
}

/// <summary>
/// Figures and tables as publication files: PNG at 300 dpi and SVG at journal column sizes (the CLI's renderer, so
/// downloads and `saex figures` are the same pictures), tables as CSV, JSON or LaTeX.
/// </summary>
public sealed class ExportService
{
    private readonly FigureExporter _figures = new();

    public ExportFile Figure(Figure figure, FigureFormat format, FigureSize size, string stem) => format switch
    {
        FigureFormat.Png => new ExportFile(stem + ".png", "image/png", _figures.RenderPng(figure, size)),
        FigureFormat.Svg => new ExportFile(stem + ".svg", "image/svg+xml", Encoding.UTF8.GetBytes(_figures.RenderSvg(figure, size))),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static ExportFile Table(Table table, TableFormat format, string stem, string? caption = null) => format switch
    {
        TableFormat.Csv => Text(stem + ".csv", "text/csv", TableExporter.ToCsv(table)),
        TableFormat.Json => Text(stem + ".json", "application/json", TableExporter.ToJson(table)),
        TableFormat.Latex => Text(stem + ".tex", "application/x-tex", TableExporter.ToLatex(table, caption, "tab:" + stem)),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static ExportFile Text(string fileName, string contentType, string text) => new(fileName, contentType, Encoding.UTF8.GetBytes(text));

    /// <summary>A file name made of letters, digits, '-', '_' and '.', from a title or id.</summary>
    public static string Stem(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.Length == 0 ? "export" : sb.ToString();
    }
}

/// <summary>Renders a figure to a file (ScottPlot's work stays out of the component).</summary>
public sealed record ExportFigureQuery(Figure Figure, FigureFormat Format, string Stem, bool DoubleColumn) : IRequest<ExportFile>;

public sealed class ExportFigureHandler(ExportService exports) : IRequestHandler<ExportFigureQuery, ExportFile>
{
    public ValueTask<ExportFile> Handle(ExportFigureQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(exports.Figure(request.Figure, request.Format, request.DoubleColumn ? FigureSize.DoubleColumn : FigureSize.SingleColumn, request.Stem));
}

/// <summary>Writes a table as CSV, JSON or LaTeX.</summary>
public sealed record ExportTableQuery(Table Table, TableFormat Format, string Stem, string? Caption = null) : IRequest<ExportFile>;

public sealed class ExportTableHandler : IRequestHandler<ExportTableQuery, ExportFile>
{
    public ValueTask<ExportFile> Handle(ExportTableQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ExportService.Table(request.Table, request.Format, request.Stem, request.Caption));
}
