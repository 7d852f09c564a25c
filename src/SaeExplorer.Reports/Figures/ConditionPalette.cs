using System.Globalization;

namespace SaeExplorer.Reports.Figures;

/// <summary>An sRGB colour.</summary>
public readonly record struct RgbColor(byte R, byte G, byte B)
{
    /// <summary>Parses <c>#RRGGBB</c>.</summary>
    public static RgbColor FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 7 || hex[0] != '#' || !uint.TryParse(hex.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
            throw new FormatException($"'{hex}' is not a #RRGGBB colour.");
        return new RgbColor((byte)(v >> 16), (byte)(v >> 8), (byte)v);
    }

    public string ToHex() => string.Create(CultureInfo.InvariantCulture, $"#{R:X2}{G:X2}{B:X2}");

    public override string ToString() => ToHex();
}

/// <summary>Marker shapes, so conditions stay apart in greyscale print as well as by colour.</summary>
public enum ConditionMarker
{
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    OpenCircle,
}

/// <summary>How one condition is drawn in every figure.</summary>
public sealed record ConditionStyle(RgbColor Color, ConditionMarker Marker);

/// <summary>
/// A fixed condition → colour (and marker) assignment, so a condition looks the same in every figure of a paper.
/// Colours are Okabe and Ito's colour-blind-safe set (Color Universal Design, 2008). The six prompt styles of the seed
/// experiment have fixed entries; any other name gets a colour from the rest of the set chosen by a hash of the name
/// (FNV-1a of its UTF-16 code units, stable across processes and machines), so it is stable too, though two unknown
/// names may share a colour: pass them to the constructor to pin them.
/// </summary>
public sealed class ConditionPalette
{
    /// <summary>Okabe–Ito colours, by their published names.</summary>
    public static class OkabeIto
    {
        public static readonly RgbColor Black = new(0x00, 0x00, 0x00);
        public static readonly RgbColor Orange = new(0xE6, 0x9F, 0x00);
        public static readonly RgbColor SkyBlue = new(0x56, 0xB4, 0xE9);
        public static readonly RgbColor BluishGreen = new(0x00, 0x9E, 0x73);
        public static readonly RgbColor Yellow = new(0xF0, 0xE4, 0x42);
        public static readonly RgbColor Blue = new(0x00, 0x72, 0xB2);
        public static readonly RgbColor Vermillion = new(0xD5, 0x5E, 0x00);
        public static readonly RgbColor ReddishPurple = new(0xCC, 0x79, 0xA7);
    }

    /// <summary>The seed experiment's six styles, in the order figures list them.</summary>
    public static IReadOnlyList<string> SeedConditions { get; } = ["standard", "padding", "spaces", "novice", "expert", "guru"];

    private static readonly IReadOnlyDictionary<string, ConditionStyle> SeedStyles = new Dictionary<string, ConditionStyle>(StringComparer.Ordinal)
    {
        ["standard"] = new(OkabeIto.Blue, ConditionMarker.Circle),
        ["padding"] = new(OkabeIto.Orange, ConditionMarker.Square),
        ["spaces"] = new(OkabeIto.BluishGreen, ConditionMarker.TriangleUp),
        ["novice"] = new(OkabeIto.Vermillion, ConditionMarker.Diamond),
        ["expert"] = new(OkabeIto.ReddishPurple, ConditionMarker.TriangleDown),
        ["guru"] = new(OkabeIto.SkyBlue, ConditionMarker.OpenCircle),
    };

    // Yellow is kept last: it is the least legible on white.
    private static readonly RgbColor[] Fallback = [OkabeIto.Black, new(0x99, 0x99, 0x99), OkabeIto.Yellow];

    private readonly IReadOnlyDictionary<string, ConditionStyle> _pinned;

    /// <summary>The seed styles' fixed colours and hashed colours for every other name.</summary>
    public static ConditionPalette Default { get; } = new(new Dictionary<string, ConditionStyle>());

    /// <param name="pinned">Styles that override the defaults for these condition names.</param>
    public ConditionPalette(IReadOnlyDictionary<string, ConditionStyle> pinned)
    {
        ArgumentNullException.ThrowIfNull(pinned);
        _pinned = new Dictionary<string, ConditionStyle>(pinned, StringComparer.Ordinal);
    }

    public ConditionStyle StyleOf(string condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (_pinned.TryGetValue(condition, out var pinned)) return pinned;
        if (SeedStyles.TryGetValue(condition, out var seed)) return seed;
        var hash = Fnv1a(condition);
        var markers = Enum.GetValues<ConditionMarker>();
        return new ConditionStyle(Fallback[hash % (uint)Fallback.Length], markers[(hash / (uint)Fallback.Length) % (uint)markers.Length]);
    }

    public RgbColor ColorOf(string condition) => StyleOf(condition).Color;

    /// <summary>
    /// The order figures list conditions in: seed styles in their canonical order, then other names in order of first
    /// appearance, so legends and category axes agree across figures.
    /// </summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> conditions)
    {
        var distinct = conditions.Distinct(StringComparer.Ordinal).ToArray();
        var seed = SeedConditions.Where(c => distinct.Contains(c, StringComparer.Ordinal));
        var rest = distinct.Where(c => !SeedConditions.Contains(c, StringComparer.Ordinal));
        return seed.Concat(rest).ToArray();
    }

    private static uint Fnv1a(string s)
    {
        var h = 2166136261u;
        foreach (var c in s)
        {
            h ^= c;
            h *= 16777619u;
        }
        return h;
    }
}
