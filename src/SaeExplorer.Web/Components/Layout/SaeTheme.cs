using MudBlazor;

namespace SaeExplorer.Web.Components.Layout;

/// <summary>The app's palette: calm neutrals so that feature heat and condition colours carry the meaning.</summary>
public static class SaeTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b5b92",
            Secondary = "#c0504d",
            AppbarBackground = "#24344f",
            Background = "#f7f8fa",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Inter", "Segoe UI", "Helvetica", "Arial", "sans-serif"] },
        },
    };
}
