namespace SaeExplorer.Core.Experiments;

/// <summary>
/// A published SAE and the model it reads: fills in layer and chat format, and lets a run check that the files
/// given are really that model and that SAE before hours of compute.
/// </summary>
public sealed record SaePreset(
    string Name,
    string Description,
    string ModelRepository,
    string SaeRepository,
    int ModelHiddenSize,
    int ModelLayers,
    int Layer,
    string ChatFormat,
    int SaeDIn,
    int SaeDSae);

public static class SaePresets
{
    /// <summary>Goodfire's published Llama SAEs (both ReLU, 65,536 latents, on chat-formatted text).</summary>
    public static readonly IReadOnlyList<SaePreset> All =
    [
        new("llama-3.3-70b-l50", "Goodfire SAE on Llama-3.3-70B-Instruct, residual stream after decoder layer 50",
            "meta-llama/Llama-3.3-70B-Instruct", "Goodfire/Llama-3.3-70B-Instruct-SAE-l50",
            ModelHiddenSize: 8192, ModelLayers: 80, Layer: 50, ChatFormat: "llama3.1", SaeDIn: 8192, SaeDSae: 65536),
        new("llama-3.1-8b-l19", "Goodfire SAE on Llama-3.1-8B-Instruct, residual stream after decoder layer 19",
            "meta-llama/Llama-3.1-8B-Instruct", "Goodfire/Llama-3.1-8B-Instruct-SAE-l19",
            ModelHiddenSize: 4096, ModelLayers: 32, Layer: 19, ChatFormat: "llama3.1", SaeDIn: 4096, SaeDSae: 65536),
    ];

    public static SaePreset Get(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"unknown preset '{name}'; known presets: {string.Join(", ", All.Select(p => p.Name))}.");
}
