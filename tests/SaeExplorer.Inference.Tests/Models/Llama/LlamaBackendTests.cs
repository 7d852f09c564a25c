using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Models.Llama;

/// <summary>The backend choice that can be checked without a GPU; the fused kernels run on the GPU machine.</summary>
public sealed class LlamaBackendTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void A_cpu_model_runs_torch_kernels_and_says_why(ScalarType dtype)
    {
        using var model = LlamaForCausalLM.Load(FixturePaths.TinyModel, 1, withHead: true, dtype, CPU);
        Assert.Equal(LlamaBackend.TorchName, model.Model.Backend.Name);
        Assert.Equal("not a CUDA device", model.Model.Backend.Detail);
    }

    [Fact]
    public void A_float32_model_on_cuda_gets_torch_kernels_since_the_fused_ones_take_bfloat16()
    {
        // Decided from the device and dtype alone, before any CUDA library is touched.
        var backend = LlamaBackend.For(new Device(DeviceType.CUDA, 0), ScalarType.Float32);
        Assert.Equal(LlamaBackend.TorchName, backend.Name);
        Assert.Contains("bfloat16", backend.Detail);
    }
}
