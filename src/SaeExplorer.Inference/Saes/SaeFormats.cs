using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Saes.Formats;
using SaeExplorer.Runs.Sources;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes;

/// <summary>
/// The SAE formats by name, as SAELens' <c>NAMED_PRETRAINED_SAE_LOADERS</c>: a path is resolved once into an
/// <see cref="SaeSource"/> by the first format that recognises it, and loaded later by that format alone.
/// </summary>
public static class SaeFormats
{
    private static readonly Dictionary<string, ISaeFormat> ByName = new(StringComparer.Ordinal);
    private static readonly List<ISaeFormat> InOrder = [];

    static SaeFormats()
    {
        Register(new GoodfireFormat());
        Register(new SaeLensFormat());
        Register(new SparsifyFormat());
    }

    public static IReadOnlyList<ISaeFormat> All => InOrder;

    private static void Register(ISaeFormat format)
    {
        if (!ByName.TryAdd(format.Name, format))
            throw new InvalidOperationException($"SAE format '{format.Name}' is registered twice.");
        InOrder.Add(format);
    }

    public static ISaeFormat Get(string name) =>
        ByName.TryGetValue(name, out var format) ? format : throw new ArgumentException($"unknown SAE format '{name}'; known: {string.Join(", ", ByName.Keys)}.");

    /// <summary>
    /// Which format <paramref name="path"/> is in, its files, dimensions and hook layer, from headers and config alone.
    /// <paramref name="layer"/> picks a layer folder of a multi-layer checkpoint (sparsify's <c>layers.N/</c>).
    /// </summary>
    public static SaeSource Resolve(string path, int? layer = null)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new CheckpointException(path, null, "SAE file or folder not found.");
        foreach (var format in InOrder)
        {
            if (format.Locate(path, layer) is { } location)
                return format.Describe(path, location);
        }
        throw File.Exists(path)
            ? new CheckpointException(path, null, "unknown SAE file: expected a Goodfire .pt/.pth state dict, SAELens sae_weights.safetensors or sparsify sae.safetensors.")
            : new CheckpointException(path, null,
                "no SAE found in this folder: expected sae_weights.safetensors + cfg.json (SAELens), sae.safetensors + cfg.json (sparsify) or layers.N/ folders, or pass a Goodfire .pt file.");
    }

    public static SparseAutoencoder Load(SaeSource source, ScalarType dtype, Device device)
    {
        using var noGrad = no_grad();
        return Get(source.Format).Load(source, dtype, device);
    }

    /// <summary>Resolves and loads in one step, for one-off uses that need nothing else from the source.</summary>
    public static SparseAutoencoder Load(string path, ScalarType dtype, Device device, int? layer = null) => Load(Resolve(path, layer), dtype, device);
}
