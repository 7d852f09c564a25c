using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Runs.Generation;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Generation;

/// <summary>Feature interventions applied where the SAE reads the residual stream (<c>blocks.{L}.hook_resid_post</c>).</summary>
public static class Steering
{
    /// <summary>
    /// Attaches <paramref name="interventions"/> to <c>blocks.{layer}.hook_resid_post</c> until the handle is disposed;
    /// they change every row that passes (which rows pass — the prompt's or only the answer's — is the caller's choice
    /// of when to attach). Clamps read the features of the residual as it arrives, before any change of this call is
    /// applied, so the order of the list does not matter.
    /// </summary>
    public static IDisposable Attach(LlamaForCausalLM model, SparseAutoencoder sae, int layer, IReadOnlyList<FeatureIntervention> interventions)
    {
        FeatureIntervention.Check(interventions, sae.DSae);
        if (sae.DIn != model.Config.HiddenSize)
            throw new ArgumentException($"the SAE reads {sae.DIn}-wide activations, the model's residual stream is {model.Config.HiddenSize} wide", nameof(sae));
        return model.Hooks.ResidPost(layer).Attach((x, _) => Apply(x, sae, interventions));
    }

    private static Tensor Apply(Tensor x, SparseAutoencoder sae, IReadOnlyList<FeatureIntervention> interventions)
    {
        // [tokens, d_sae] only when a clamp needs the features; the SAE computes them as it does for capture.
        var features = interventions.Any(i => i.Kind == InterventionKind.Clamp) ? sae.Encode(x.to(sae.DType, sae.Device)) : null;
        var result = x;
        foreach (var i in interventions)
        {
            // Row F of W_dec [d_sae, d_in] is column F of Goodfire's decoder_linear.weight [d_in, d_sae].
            var direction = sae.DecoderWeight[i.Feature];
            if (i.Kind == InterventionKind.Add && i.Normalize)
                direction = direction / direction.norm();
            direction = direction.to(x.dtype, x.device);
            // A scalar factor, as PyTorch multiplies by a Python number: the value is not rounded to x's dtype first.
            result = i.Kind == InterventionKind.Add
                ? result + direction * i.Value
                : result + (i.Value - features![.., i.Feature]).to(x.dtype, x.device).unsqueeze(1) * direction;
        }
        return result;
    }
}
