using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace SaeExplorer.Reports.Figures;

/// <summary>
/// Hands ScottPlot the DejaVu Sans compiled into this assembly. ScottPlot's Skia build (NoDependencies) has no
/// fontconfig, so without this it finds no system font on Linux; and a font found on the system would make the
/// figures differ between machines.
/// </summary>
internal static class EmbeddedFonts
{
    /// <summary>The family name figures ask for; also what SVG output names.</summary>
    public const string Family = "DejaVu Sans";

    private static readonly SKTypeface Regular = Load("SaeExplorer.Reports.Fonts.DejaVuSans.ttf");
    private static readonly SKTypeface Bold = Load("SaeExplorer.Reports.Fonts.DejaVuSans-Bold.ttf");

    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Puts the resolver first in ScottPlot's process-wide list, once.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            Fonts.FontResolvers.Insert(0, new Resolver());
            _registered = true;
        }
    }

    private static SKTypeface Load(string resource)
    {
        using var stream = typeof(EmbeddedFonts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded font {resource} is missing from {typeof(EmbeddedFonts).Assembly.GetName().Name}.");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"embedded font {resource} could not be read by Skia.");
    }

    private sealed class Resolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            CreateTypeface(fontName, weight >= FontWeight.SemiBold, slant != FontSlant.Upright);

        // Italic is not embedded: figure text never asks for it, and Skia would substitute upright glyphs anyway.
        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            string.Equals(fontName, Family, StringComparison.OrdinalIgnoreCase) ? (bold ? Bold : Regular) : null;
    }
}
