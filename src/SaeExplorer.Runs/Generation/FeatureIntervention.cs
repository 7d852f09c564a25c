using System.Globalization;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Runs.Generation;

public enum InterventionKind
{
    /// <summary><c>x ← x + V · W_dec[:, F]</c> (or the unit-norm column with normalize): steer along the feature's direction.</summary>
    Add,
    /// <summary>
    /// <c>a = act_F(x)</c> by the SAE's own activation, then <c>x ← x + (V − a) · W_dec[:, F]</c>: the feature reads V,
    /// and the SAE's reconstruction error stays in x. Ablation is a clamp to 0.
    /// </summary>
    Clamp,
}

/// <summary>Which positions an intervention changes.</summary>
public enum InterventionScope
{
    /// <summary>The prompt and the generated tokens alike (transformers' hooks, Neuronpedia's default).</summary>
    All,
    /// <summary>Only the generated tokens: the prompt is read as it was written, so the first token is unsteered.</summary>
    Generated,
}

/// <summary>One change to an SAE feature where the SAE reads the residual stream.</summary>
/// <param name="Normalize">for <see cref="InterventionKind.Add"/>: use the unit-norm decoder column</param>
public sealed record FeatureIntervention(InterventionKind Kind, int Feature, float Value, bool Normalize = false)
{
    public static FeatureIntervention Add(int feature, float value, bool normalize = false) => new(InterventionKind.Add, feature, value, normalize);

    public static FeatureIntervention Clamp(int feature, float value) => new(InterventionKind.Clamp, feature, value);

    public static FeatureIntervention Ablate(int feature) => new(InterventionKind.Clamp, feature, 0f);

    /// <summary><c>add 1234:4</c>, <c>add 1234:4 (unit)</c>, <c>clamp 1234:0.5</c>, <c>ablate 1234</c>.</summary>
    public override string ToString()
    {
        var value = Value.ToString("R", CultureInfo.InvariantCulture);
        return Kind switch
        {
            InterventionKind.Add => $"add {Feature}:{value}{(Normalize ? " (unit)" : "")}",
            _ when Value == 0 => $"ablate {Feature}",
            _ => $"clamp {Feature}:{value}",
        };
    }

    /// <summary>
    /// Parses <c>F:V</c> (for add and clamp) or <c>F</c> (for ablate), as the CLI takes them; the message of a bad one
    /// names the option and shows the expected form.
    /// </summary>
    public static FeatureIntervention Parse(InterventionKind kind, string text, bool ablate = false, bool normalize = false)
    {
        string option = ablate ? "--ablate" : kind == InterventionKind.Add ? "--add" : "--clamp";
        string form = ablate ? "F (a feature index)" : "F:V (a feature index and a value, e.g. 1234:4)";
        var parts = text.Split(':');
        if (parts.Length != (ablate ? 1 : 2) || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int feature))
            throw new SettingsException(SettingsField.Intervention, $"{option} '{text}': expected {form}.");
        if (feature < 0)
            throw new SettingsException(SettingsField.Intervention, $"{option} '{text}': a feature index is 0 or more.");
        if (ablate)
            return Ablate(feature);
        if (!float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw new SettingsException(SettingsField.Intervention, $"{option} '{text}': the value must be a finite number.");
        return kind == InterventionKind.Add ? Add(feature, value, normalize) : Clamp(feature, value);
    }

    /// <summary>Refuses features outside the SAE and values that are not finite, naming the intervention.</summary>
    public static void Check(IReadOnlyList<FeatureIntervention> interventions, int dSae)
    {
        foreach (var i in interventions)
        {
            if (i.Feature < 0 || i.Feature >= dSae)
                throw new SettingsException(SettingsField.Intervention, $"{i}: feature {i.Feature} is outside the SAE's 0..{dSae - 1}.");
            if (!float.IsFinite(i.Value))
                throw new SettingsException(SettingsField.Intervention, $"{i}: the value for feature {i.Feature} must be a finite number, not {i.Value}.");
        }
    }
}
