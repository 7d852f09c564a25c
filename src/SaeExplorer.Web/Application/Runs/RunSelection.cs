namespace SaeExplorer.Web.Application.Runs;

/// <summary>The run a browser session is looking at, shared by its Compare, Feature and UMAP pages (one per circuit).</summary>
public sealed class RunSelection
{
    public string? RunId { get; set; }
}
