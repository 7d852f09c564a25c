namespace SaeExplorer.Runs.Settings;

/// <summary>The dtype a model and SAE compute in; part of every cache key and run record.</summary>
public enum ComputeDType
{
    Float32,
    BFloat16,
}

public static class ComputeDTypes
{
    public static readonly IReadOnlyList<string> Names = ["float32", "bfloat16"];

    /// <summary>The name runs, cache keys and files use: "float32" or "bfloat16".</summary>
    public static string Name(this ComputeDType dtype) => dtype switch
    {
        ComputeDType.Float32 => "float32",
        ComputeDType.BFloat16 => "bfloat16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static ComputeDType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ComputeDType.Float32,
        "bfloat16" or "bf16" => ComputeDType.BFloat16,
        _ => throw new SettingsException(SettingsField.DType, $"unknown dtype '{name}'; use float32 or bfloat16."),
    };
}
