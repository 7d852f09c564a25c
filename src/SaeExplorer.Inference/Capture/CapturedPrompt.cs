namespace SaeExplorer.Inference.Capture;

/// <summary>
/// The residual stream of one prompt after each requested layer, as plain row-major float32 arrays
/// [tokens × dModel]; no tensor leaves the inference layer.
/// </summary>
public sealed record CapturedPrompt(int Index, int[] InputIds, int DModel, IReadOnlyDictionary<int, float[]> ResidPost)
{
    public int TokenCount => InputIds.Length;
}
