namespace SaeExplorer.Inference.Saes;

/// <summary>The file format an SAE was read from (SAELens calls these loaders).</summary>
public enum SaeFormat
{
    /// <summary>Goodfire: a torch.save state dict with encoder_linear.* and decoder_linear.* (ReLU).</summary>
    Goodfire,
    /// <summary>SAELens: cfg.json + sae_weights.safetensors (W_enc, b_enc, W_dec, b_dec[, threshold]).</summary>
    SaeLens,
    /// <summary>EleutherAI sparsify: cfg.json + sae.safetensors (encoder.weight/bias, W_dec, b_dec; TopK).</summary>
    Sparsify,
}

/// <summary>
/// The standard description every loader converts its format's config into, in SAELens's vocabulary:
/// <see cref="Architecture"/> is "standard" (ReLU), "jumprelu" or "topk".
/// </summary>
public sealed record SaeConfig(
    string Architecture,
    int DIn,
    int DSae,
    bool ApplyBDecToInput,
    int? K,
    SaeFormat Format,
    string Source,
    int? HookLayer = null);

/// <summary>How well an SAE reconstructs a set of activations.</summary>
/// <param name="Mse">mean over tokens and dimensions of (x − x̂)²</param>
/// <param name="FractionOfVarianceExplained">1 − Σ‖x − x̂‖² / Σ‖x − x̄‖², x̄ the mean activation over the tokens</param>
/// <param name="L0">mean number of active latents per token</param>
public sealed record SaeReconstructionQuality(double Mse, double FractionOfVarianceExplained, double L0, int Tokens);
