using SaeExplorer.Core.Experiments;
using SaeExplorer.Runs.Sources;

namespace SaeExplorer.Runs.Settings;

/// <summary>
/// The one place a layer, a model and an SAE are checked against each other (and against a preset): the layer must
/// exist in the model, the SAE must read the model's width, and an SAE whose files name the layer it was trained on
/// must be used at that layer unless the user forces another.
/// </summary>
public static class LayerCheck
{
    /// <summary>Every problem at once (the dashboard shows each under its field); empty when they fit together.</summary>
    public static IReadOnlyList<SettingsException> Problems(ModelSource? model, SaeSource? sae, int? layer, SaePreset? preset = null, bool forceLayer = false)
    {
        var problems = new List<SettingsException>();
        void Add(SettingsField field, string message) => problems.Add(new SettingsException(field, message));

        // A wrong model or SAE for a preset explains every other mismatch, so it is said first.
        if (preset is not null && model is not null && (model.HiddenSize != preset.ModelHiddenSize || model.LayerCount != preset.ModelLayers))
            Add(SettingsField.Model,
                $"{model.Directory} is not {preset.ModelRepository}: it has hidden size {model.HiddenSize} and {model.LayerCount} layers, the preset needs {preset.ModelHiddenSize} and {preset.ModelLayers}.");
        if (preset is not null && sae is not null && (sae.DIn != preset.SaeDIn || sae.DSae != preset.SaeDSae))
            Add(SettingsField.Sae, $"{sae.Path} is not {preset.SaeRepository}: it maps {sae.DIn} → {sae.DSae}, the preset needs {preset.SaeDIn} → {preset.SaeDSae}.");
        if (layer is null)
            Add(SettingsField.Layer, "give the decoder layer the SAE reads (or choose a preset).");
        else if (model is not null && (layer < 0 || layer >= model.LayerCount))
            Add(SettingsField.Layer, NotInModel(model, layer.Value));
        else if (layer < 0)
            Add(SettingsField.Layer, $"layer {layer} does not exist: layers count from 0.");
        if (preset is not null && layer is { } l && l != preset.Layer)
            Add(SettingsField.Layer, $"layer {l} contradicts preset {preset.Name}, whose SAE reads layer {preset.Layer}.");
        if (sae is not null && layer is { } asked && HookProblem(sae, asked, forceLayer) is { } hook)
            problems.Add(hook);
        if (model is not null && sae is not null && WidthProblem(sae, model.HiddenSize, $"{model.Directory} has a residual stream") is { } width)
            problems.Add(width);
        return problems;
    }

    /// <summary>Layers read from a model without an SAE (a capture): each must exist.</summary>
    public static void EnsureExist(ModelSource model, IEnumerable<int> layers)
    {
        var missing = layers.Where(l => l < 0 || l >= model.LayerCount).ToList();
        if (missing.Count > 0)
            throw new SettingsException(SettingsField.Layer,
                NotInModel(model, missing[0]));
    }

    private static string NotInModel(ModelSource model, int layer) =>
        $"layer {layer} does not exist: {model.Directory} has decoder layers 0..{model.LayerCount - 1}.";

    /// <summary>An SAE whose files name the layer it was trained on, asked to read another one (unless forced).</summary>
    public static SettingsException? HookProblem(SaeSource sae, int layer, bool forceLayer) =>
        sae.HookLayer is { } trained && trained != layer && !forceLayer
            ? new SettingsException(SettingsField.Layer,
                $"the SAE {sae.Path} was trained on layer {trained} ({sae.HookName ?? $"layers.{trained}"}) but layer {layer} was asked for; " +
                $"use layer {trained}, or force layer {layer} (--force-layer) if you mean to read another layer.")
            : null;

    /// <summary>An SAE that reads another width than the activations it would be given (<paramref name="what"/> "… is").</summary>
    public static SettingsException? WidthProblem(SaeSource sae, int width, string what) =>
        sae.DIn != width
            ? new SettingsException(SettingsField.Sae, $"the SAE {sae.Path} reads width {sae.DIn} but {what} {width} wide; it was trained on another model.")
            : null;

    /// <summary>Throws the first problem (the CLI's way: one line); returns the layer when all fits.</summary>
    public static int Ensure(ModelSource model, SaeSource sae, int? layer, SaePreset? preset = null, bool forceLayer = false)
    {
        var problems = Problems(model, sae, layer, preset, forceLayer);
        if (problems.Count > 0)
            throw problems[0];
        return layer!.Value;
    }
}
