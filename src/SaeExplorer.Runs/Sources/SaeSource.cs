namespace SaeExplorer.Runs.Sources;

/// <summary>
/// An SAE resolved once at the edge, from its files' headers and config alone (no weights read): which registered
/// format it is in, where its files are, its dimensions and architecture in SAELens' vocabulary, the layer it was
/// trained on when the files say so, and its content fingerprint (computed on first use, then kept).
/// </summary>
public sealed class SaeSource(
    string format,
    string path,
    string location,
    IReadOnlyList<string> files,
    int dIn,
    int dSae,
    string architecture,
    int? hookLayer,
    string? hookName,
    Func<string> fingerprint)
{
    private readonly Lazy<string> _fingerprint = new(fingerprint);

    /// <summary>The registered format's name ("goodfire", "saelens", "sparsify").</summary>
    public string Format { get; } = format;
    /// <summary>What the user gave.</summary>
    public string Path { get; } = path;
    /// <summary>The file (Goodfire) or folder (SAELens, sparsify layer folder) the weights are read from.</summary>
    public string Location { get; } = location;
    /// <summary>The files that make up the SAE: these are fingerprinted.</summary>
    public IReadOnlyList<string> Files { get; } = files;
    public int DIn { get; } = dIn;
    public int DSae { get; } = dSae;
    /// <summary>"standard" (ReLU), "jumprelu" or "topk".</summary>
    public string Architecture { get; } = architecture;
    /// <summary>The decoder layer whose resid_post the SAE was trained on, when its files say (SAELens hook, sparsify layers.N).</summary>
    public int? HookLayer { get; } = hookLayer;
    /// <summary>Where the files name the hook point (SAELens' <c>hook_name</c>), for messages.</summary>
    public string? HookName { get; } = hookName;
    public string Fingerprint => _fingerprint.Value;

    public override string ToString() => Path;
}
