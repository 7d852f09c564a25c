namespace SaeExplorer.Runs.Settings;

/// <summary>
/// Where a model runs, as the user names it: the CPU or CUDA device <see cref="Index"/>. Whether that GPU exists is
/// checked where the model loads (Inference), once.
/// </summary>
public readonly record struct ComputeDevice(bool IsCuda, int Index)
{
    public static readonly ComputeDevice Cpu = new(false, 0);

    public override string ToString() => IsCuda ? $"cuda:{Index}" : "cpu";

    /// <summary>Parses "cpu", "cuda" or "cuda:N".</summary>
    public static ComputeDevice Parse(string name)
    {
        var value = name.Trim().ToLowerInvariant();
        if (value == "cpu")
            return Cpu;
        if (value == "cuda")
            return new ComputeDevice(true, 0);
        if (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value[5..], out int index) && index >= 0)
            return new ComputeDevice(true, index);
        throw new SettingsException(SettingsField.Device, $"unknown device '{name}'; use cpu, cuda or cuda:N.");
    }
}
