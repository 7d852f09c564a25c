using SaeExplorer.Core.Errors;
namespace SaeExplorer.Runs.Settings;

/// <summary>
/// Settings a user gave that cannot work (a layer the model lacks, an SAE for another layer or width, an unknown
/// dtype). The message is one line that names what is wrong and how to fix it; <see cref="Field"/> says which setting
/// it is about, so the CLI can print it and the dashboard can put it under that field.
/// </summary>
public sealed class SettingsException(SettingsField field, string message) : Exception(message), IUserError
{
    public SettingsField Field { get; } = field;
}

/// <summary>The settings a run is made of, as the dashboard's form and the CLI's options name them.</summary>
public enum SettingsField
{
    Model,
    Sae,
    Layer,
    Preset,
    Device,
    DType,
    /// <summary>max new tokens, temperature, top-p, top-k, repetition penalty, seed</summary>
    Decoding,
    /// <summary>the features to add, clamp or ablate, and where</summary>
    Intervention,
    /// <summary>the judge's URL, model, API key variable and limits</summary>
    Judge,
}
