namespace SaeExplorer.Inference.Saes;

/// <summary>
/// The standard description every loader converts its format's config into, in SAELens's vocabulary:
/// <see cref="Architecture"/> is "standard" (ReLU), "jumprelu" or "topk"; <see cref="Format"/> is the registered
/// format's name (<see cref="SaeFormats"/>) and <see cref="Source"/> the file or folder the weights came from.
/// </summary>
public sealed record SaeConfig(
    string Architecture,
    int DIn,
    int DSae,
    bool ApplyBDecToInput,
    int? K,
    string Format,
    string Source);

/// <summary>How well an SAE reconstructs a set of activations.</summary>
/// <param name="Mse">mean over tokens and dimensions of (x − x̂)²</param>
/// <param name="FractionOfVarianceExplained">1 − Σ‖x − x̂‖² / Σ‖x − x̄‖², x̄ the mean activation over the tokens</param>
/// <param name="L0">mean number of active latents per token</param>
public sealed record SaeReconstructionQuality(double Mse, double FractionOfVarianceExplained, double L0, int Tokens);
