using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Generation;

public enum InterventionKind
{
    /// <summary><c>x ← x + V · W_dec[:, F]</c>: steer along the feature's decoder direction.</summary>
    Add,
    /// <summary>
    /// <c>a = act_F(x)</c> by the SAE's own activation, then <c>x ← x + (V − a) · W_dec[:, F]</c>: the feature reads V,
    /// and the SAE's reconstruction error stays in x. Ablation is a clamp to 0.
    /// </summary>
    Clamp,
}

/// <summary>One change to an SAE feature where the SAE reads the residual stream, at every position.</summary>
public sealed record FeatureIntervention(InterventionKind Kind, int Feature, float Value)
{
    public static FeatureIntervention Add(int feature, float value) => new(InterventionKind.Add, feature, value);

    public static FeatureIntervention Clamp(int feature, float value) => new(InterventionKind.Clamp, feature, value);

    public static FeatureIntervention Ablate(int feature) => new(InterventionKind.Clamp, feature, 0f);

    /// <summary>
    /// Attaches <paramref name="interventions"/> to <c>blocks.{layer}.hook_resid_post</c> until the handle is disposed.
    /// Clamps read the features of the residual as it arrives, before any change of this call is applied, so the
    /// order of the list does not matter.
    /// </summary>
    /// <param name="fromPosition">
    /// the first position changed (0: every position; a prompt's length: the generated tokens only, so the prompt is
    /// read as it was written)
    /// </param>
    public static IDisposable Attach(LlamaForCausalLM model, SparseAutoencoder sae, int layer, IReadOnlyList<FeatureIntervention> interventions, int fromPosition = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromPosition);
        foreach (var i in interventions)
        {
            if (i.Feature < 0 || i.Feature >= sae.DSae)
                throw new ArgumentOutOfRangeException(nameof(interventions), i.Feature, $"feature {i.Feature} is outside the SAE's 0..{sae.DSae - 1}.");
            if (!float.IsFinite(i.Value))
                throw new ArgumentOutOfRangeException(nameof(interventions), i.Value, $"the value for feature {i.Feature} must be a finite number, not {i.Value}.");
        }
        return model.Hooks.ResidPost(layer).Attach((x, context) =>
        {
            if (fromPosition == 0)
                return Apply(x, sae, interventions);
            // Rows at earlier positions keep the residual as it came.
            var changed = (context.Batch.Positions >= fromPosition).unsqueeze(1);
            return where(changed, Apply(x, sae, interventions), x);
        });
    }

    private static Tensor Apply(Tensor x, SparseAutoencoder sae, IReadOnlyList<FeatureIntervention> interventions)
    {
        // [tokens, d_sae] only when a clamp needs the features; the SAE computes them as it does for capture.
        var features = interventions.Any(i => i.Kind == InterventionKind.Clamp) ? sae.Encode(x) : null;
        var result = x;
        foreach (var i in interventions)
        {
            // Row F of W_dec [d_sae, d_in] is column F of Goodfire's decoder_linear.weight [d_in, d_sae].
            var direction = sae.DecoderWeight[i.Feature].to(x.dtype, x.device);
            var amount = i.Kind == InterventionKind.Add
                ? tensor(i.Value, x.dtype, x.device)
                : (i.Value - features![.., i.Feature]).to(x.dtype).unsqueeze(1);
            result = result + amount * direction;
        }
        return result;
    }
}
