using Microsoft.JSInterop;
using SaeExplorer.Web.Application.Exports;

namespace SaeExplorer.Web.Infrastructure;

/// <summary>
/// Every call into the page's JavaScript goes through here (one module, imported lazily). A Blazor Server circuit can
/// vanish at any moment, so a disconnected circuit is not an error.
/// </summary>
public sealed class BrowserInterop(IJSRuntime js) : IAsyncDisposable
{
    private Task<IJSObjectReference>? _module;

    private Task<IJSObjectReference> Module => _module ??= js.InvokeAsync<IJSObjectReference>("import", "/assets/js/saex.js").AsTask();

    /// <summary>Hands a file to the browser as a download (streamed over the circuit, not inlined as a data URL).</summary>
    public async Task DownloadAsync(ExportFile file)
    {
        using var stream = new MemoryStream(file.Content, writable: false);
        using var reference = new DotNetStreamReference(stream);
        var module = await Module;
        await module.InvokeVoidAsync("downloadFile", file.FileName, file.ContentType, reference);
    }

    /// <summary>The Plotly bundle Plotly.Blazor's charts need (its version is the package's).</summary>
    public const string PlotlyScript = "_content/Plotly.Blazor/plotly-3.7.0.min.js";

    /// <summary>Loads Plotly into the page if it is not there yet (charts render only after this).</summary>
    public async Task EnsurePlotlyAsync()
    {
        var module = await Module;
        await module.InvokeVoidAsync("ensurePlotly", PlotlyScript);
    }

    public async ValueTask DisposeAsync()
    {
        if (_module is null)
            return;
        try
        {
            var module = await _module;
            await module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
        }
        catch (TaskCanceledException)
        {
        }
    }
}
