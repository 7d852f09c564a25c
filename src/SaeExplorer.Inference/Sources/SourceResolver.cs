using System.Text.Json;
using SaeExplorer.Core.Fingerprints;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Runs.Sources;

namespace SaeExplorer.Inference.Sources;

/// <summary>
/// The edge where paths become sources: a model folder or an SAE path is read once (headers and configs only) and
/// every problem with the files comes out as one <see cref="SettingsException"/> for the model or the SAE field.
/// </summary>
public static class SourceResolver
{
    public static ModelSource Model(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            throw new SettingsException(SettingsField.Model, $"{directory} does not exist or is not a folder.");
        var configPath = Path.Combine(full, "config.json");
        if (!File.Exists(configPath))
            throw new SettingsException(SettingsField.Model, $"{directory} has no config.json; give the folder of a Hugging Face Llama checkpoint.");
        var config = Guard(SettingsField.Model, () => LlamaConfig.Load(configPath));
        return new ModelSource(full, config.HiddenSize, config.NumHiddenLayers, config.VocabSize, config.MaxPositionEmbeddings,
            () => FileFingerprint.ForModelDirectory(full));
    }

    /// <param name="layer">picks one layer of a multi-layer checkpoint (sparsify's layers.N/)</param>
    public static SaeSource Sae(string path, int? layer) => Guard(SettingsField.Sae, () => SaeFormats.Resolve(path, layer));

    private static T Guard<T>(SettingsField field, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is CheckpointException or IOException or JsonException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
        {
            throw new SettingsException(field, e.Message);
        }
    }
}
