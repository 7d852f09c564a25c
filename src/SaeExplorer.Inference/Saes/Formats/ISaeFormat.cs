using SaeExplorer.Runs.Sources;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes.Formats;

/// <summary>
/// One SAE file format (SAELens keys its loaders the same way): how to recognise its files, how to read its config
/// into the shared vocabulary (<see cref="SaeSource"/>, headers only), and how to build the SAE from its weights.
/// </summary>
public interface ISaeFormat
{
    /// <summary>The registry key, recorded in <see cref="SaeSource.Format"/>.</summary>
    string Name { get; }

    /// <summary>
    /// The file or folder holding this format's SAE for <paramref name="path"/> (a file the user named, or a folder), or
    /// null when the path is not in this format. <paramref name="layer"/> picks one of several layers where a format
    /// keeps them side by side.
    /// </summary>
    string? Locate(string path, int? layer);

    /// <summary>Reads the config and the weight headers at <paramref name="location"/> (no weights).</summary>
    SaeSource Describe(string path, string location);

    SparseAutoencoder Load(SaeSource source, ScalarType dtype, Device device);
}
