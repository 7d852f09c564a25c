using System.Text;
using ScottPlot;
using ScottPlot.Rendering.RenderActions;
using SkiaSharp;

namespace SaeExplorer.Reports.Figures;

public sealed partial class FigureExporter
{
    /// <summary>
    /// A built figure, ready to render as a raster image or an SVG: one ScottPlot <see cref="Plot"/>, or several that
    /// share one canvas (<see cref="PlotGrid"/>).
    /// </summary>
    private abstract class Drawing : IDisposable
    {
        /// <summary>The plots that hold data, with their place in the grid; valid after a render.</summary>
        public abstract IReadOnlyList<(int Row, int Column, Plot Plot)> Panels { get; }

        /// <param name="width">Image pixels.</param>
        /// <param name="height">Image pixels.</param>
        public abstract Image GetImage(int width, int height);

        /// <param name="width">Logical pixels (1/96 in).</param>
        /// <param name="height">Logical pixels (1/96 in).</param>
        public abstract string GetSvgXml(int width, int height);

        public abstract void Dispose();
    }

    /// <summary>One plot filling the figure: ScottPlot renders it as it is.</summary>
    private sealed class SinglePlot(Plot plot) : Drawing
    {
        public override IReadOnlyList<(int Row, int Column, Plot Plot)> Panels { get; } = [(0, 0, plot)];
        public override Image GetImage(int width, int height) => plot.GetImage(width, height);
        public override string GetSvgXml(int width, int height) => plot.GetSvgXml(width, height);
        public override void Dispose() => plot.Dispose();
    }

    /// <summary>
    /// Plots sharing one canvas: a frame drawn first (figure background, title, legend) and panels drawn over it. Each
    /// plot's data area is fixed by <c>arrange</c>, which is handed the canvas size in logical pixels (1/96 in) before
    /// every render, so the layout follows the figure size the way a single plot's automatic layout does.
    /// </summary>
    private sealed class PlotGrid(Plot frame, IReadOnlyList<(int Row, int Column, Plot Plot)> panels, Action<float, float, Paint> arrange, double scale) : Drawing
    {
        public override IReadOnlyList<(int Row, int Column, Plot Plot)> Panels => panels;

        private IEnumerable<Plot> Plots => panels.Select(p => p.Plot).Prepend(frame);

        public static void PrepareForSharedCanvas(Plot plot, bool drawsBackground)
        {
            // The frame paints the figure background; a panel clearing the canvas or painting its own would erase the
            // panels drawn before it.
            plot.RenderManager.ClearCanvasBeforeEachRender = false;
            if (!drawsBackground)
                plot.RenderManager.Remove<RenderFigureBackground>();
        }

        public override Image GetImage(int width, int height)
        {
            Arrange(width, height);
            Settle(width, height);
            using var surface = NewSurface(width, height);
            Draw(surface.Canvas, width, height);
            return new Image(surface);
        }

        public override string GetSvgXml(int width, int height)
        {
            Arrange(width, height);
            Settle(width, height);
            using var stream = new MemoryStream();
            // The SVG is complete only once its canvas is disposed.
            using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream))
                Draw(canvas, width, height);
            return Encoding.UTF8.GetString(stream.ToArray());
        }

        public override void Dispose()
        {
            foreach (var plot in Plots) plot.Dispose();
        }

        private void Arrange(int width, int height)
        {
            using var paint = Paint.NewDisposablePaint();
            arrange((float)(width / scale), (float)(height / scale), paint);
        }

        /// <summary>
        /// ScottPlot renders a plot again when its axis limits differ from its previous render's, which on a shared
        /// canvas would draw it twice (darker antialiasing, every SVG element doubled); one render on a scratch surface
        /// first settles the limits, as <see cref="Plot.GetSvgXml"/> does for one plot.
        /// </summary>
        private void Settle(int width, int height)
        {
            using var scratch = NewSurface(width, height);
            Draw(scratch.Canvas, width, height);
        }

        private void Draw(SKCanvas canvas, int width, int height)
        {
            var rect = new PixelRect(0, width, height, 0);
            foreach (var plot in Plots)
            {
                // The render manager scales the canvas by the plot's ScaleFactor and leaves it scaled.
                var saved = canvas.Save();
                plot.Render(canvas, rect);
                canvas.RestoreToCount(saved);
            }
        }

        private static SKSurface NewSurface(int width, int height) =>
            SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"Skia could not create a {width}×{height} surface.");
    }
}
