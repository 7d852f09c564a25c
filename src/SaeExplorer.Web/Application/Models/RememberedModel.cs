using System.Text.Json;
using System.Text.Json.Serialization;
using SaeExplorer.Core.Exports;

namespace SaeExplorer.Web.Application.Models;

/// <summary>
/// The model, SAE and layer last loaded in Settings, kept in the data folder (<c>last-model.json</c>) so that the
/// dashboard starts on them after a restart instead of falling back to the demo. Paths only: the files are resolved and
/// checked again (allowed roots, fingerprints, layer) when the dashboard starts.
/// </summary>
public sealed record RememberedModel(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("sae")] string Sae,
    [property: JsonPropertyName("layer")] int Layer,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("dtype")] string DType)
{
    public const string FileName = "last-model.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>The remembered model in <paramref name="dataDirectory"/>, or null when none is (or the file is not one).</summary>
    public static RememberedModel? Read(string dataDirectory, out string? problem)
    {
        problem = null;
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            var model = JsonSerializer.Deserialize<RememberedModel>(File.ReadAllText(path), Options);
            if (model is { Model.Length: > 0, Sae.Length: > 0 })
                return model;
            problem = $"{path} does not name a model and an SAE";
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"{path} cannot be read ({e.Message})";
        }
        return null;
    }

    /// <summary>Replaces the remembered model (written whole, then renamed: a crash leaves the old one).</summary>
    public void Write(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        AtomicFile.WriteAllText(Path.Combine(dataDirectory, FileName), JsonSerializer.Serialize(this, Options));
    }

    /// <summary>Forgets the remembered model: the next start loads the demo.</summary>
    public static void Forget(string dataDirectory) => File.Delete(Path.Combine(dataDirectory, FileName));
}
