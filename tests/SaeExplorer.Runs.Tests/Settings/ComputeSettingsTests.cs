using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Runs.Tests.Settings;

public sealed class ComputeSettingsTests
{
    [Theory]
    [InlineData("cpu", false, 0)]
    [InlineData(" CUDA ", true, 0)]
    [InlineData("cuda:3", true, 3)]
    public void Devices_parse_from_their_names(string name, bool cuda, int index)
    {
        var device = ComputeDevice.Parse(name);
        Assert.Equal((cuda, index), (device.IsCuda, device.Index));
        Assert.Equal(device, ComputeDevice.Parse(device.ToString()));
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    public void A_bad_device_is_a_device_problem(string name)
    {
        var e = Assert.Throws<SettingsException>(() => ComputeDevice.Parse(name));
        Assert.Equal(SettingsField.Device, e.Field);
        Assert.Contains("use cpu, cuda or cuda:N", e.Message);
    }

    [Fact]
    public void Dtypes_parse_from_their_names_and_aliases_and_name_themselves_as_cache_keys_do()
    {
        Assert.Equal(ComputeDType.BFloat16, ComputeDTypes.Parse("bf16"));
        Assert.Equal(ComputeDType.Float32, ComputeDTypes.Parse("FP32"));
        Assert.Equal(["float32", "bfloat16"], Enum.GetValues<ComputeDType>().Select(d => d.Name()));
        var e = Assert.Throws<SettingsException>(() => ComputeDTypes.Parse("float16"));
        Assert.Equal((SettingsField.DType, "unknown dtype 'float16'; use float32 or bfloat16."), (e.Field, e.Message));
    }
}
