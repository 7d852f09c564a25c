using Microsoft.AspNetCore.Components;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Web.Infrastructure;

/// <summary>
/// Keeps what a page shows (run, conditions, pooling) in its address, so a reload, a bookmark or a shared link shows the
/// same thing. The address is replaced, not pushed: choosing in a picker is not a step the Back button should undo.
/// </summary>
public sealed class AddressState : IDisposable
{
    private readonly NavigationManager _navigation;

    /// <summary>
    /// The address as last set here: the browser confirms a replacement asynchronously, so two components setting keys in
    /// one render (the run picker, then the page) must build on each other's result, not on the not-yet-updated Uri.
    /// </summary>
    private string _address;

    public AddressState(NavigationManager navigation)
    {
        _navigation = navigation;
        _address = navigation.Uri;
        navigation.LocationChanged += OnLocationChanged;
    }

    /// <summary>Writes <paramref name="values"/> into the query string (null removes a key), leaving the other keys alone.</summary>
    public void Set(params (string Key, string? Value)[] values)
    {
        if (!SamePage(_address, _navigation.Uri))
            _address = _navigation.Uri;
        var updated = _navigation.GetUriWithQueryParameters(_address, values.ToDictionary(v => v.Key, v => (object?)v.Value));
        if (updated == _address)
            return;
        _address = updated;
        _navigation.NavigateTo(updated, replace: true);
    }

    public void Dispose() => _navigation.LocationChanged -= OnLocationChanged;

    private void OnLocationChanged(object? sender, Microsoft.AspNetCore.Components.Routing.LocationChangedEventArgs e)
    {
        if (!SamePage(_address, e.Location))
            _address = e.Location;
    }

    private static bool SamePage(string a, string b) => Path(a) == Path(b);

    private static string Path(string uri) => uri.Split('?', '#')[0];

    /// <summary>A pooling method from the address ("user", "max", …), or null when absent or not one.</summary>
    public static PoolingMethod? Pooling(string? text) => Choice<PoolingMethod>(text);

    /// <summary>One of an enum's named values from the address, written as <see cref="Name{T}"/> writes it, or null when absent or not one.</summary>
    public static T? Choice<T>(string? text) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) ? value : null;

    /// <summary>How a choice (a pooling method, a colouring) is written in an address.</summary>
    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
