namespace SaeExplorer.Runs.Sources;

/// <summary>
/// A model folder resolved once at the edge: its dimensions from config.json and its content fingerprint (computed
/// on first use, then kept). Everything past the edge passes this value, never the path alone.
/// </summary>
public sealed class ModelSource(string directory, int hiddenSize, int layerCount, int vocabSize, int maxPositions, Func<string> fingerprint)
{
    private readonly Lazy<string> _fingerprint = new(fingerprint);

    /// <summary>The folder, as a full path.</summary>
    public string Directory { get; } = directory;
    public int HiddenSize { get; } = hiddenSize;
    /// <summary>Decoder layers (0..LayerCount−1).</summary>
    public int LayerCount { get; } = layerCount;
    public int VocabSize { get; } = vocabSize;
    /// <summary>The model's context in tokens.</summary>
    public int MaxPositions { get; } = maxPositions;
    /// <summary>SHA-256 content fingerprint of the folder's files (see FileFingerprint.ForModelDirectory).</summary>
    public string Fingerprint => _fingerprint.Value;

    public override string ToString() => Directory;
}
