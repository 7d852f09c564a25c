using SaeExplorer.Inference.Models.Llama;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Models.Llama;

public sealed class RmsNormTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void The_residual_add_and_norm_give_what_the_add_and_then_the_norm_give(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var norm = new RmsNorm("post_attention_layernorm", new SyntheticWeights(dtype, seed: 3), "w", 64, 1e-5, CPU, LlamaBackend.For(CPU, dtype));
        var x = randn(5, 64).to_type(dtype);
        var delta = randn(5, 64).to_type(dtype);

        var (sum, normed) = norm.AddThenForward(x, delta);

        var expected = x + delta;
        Assert.True(sum.eq(expected).all().item<bool>());
        Assert.True(normed.eq(norm.forward(expected)).all().item<bool>());
        Assert.Equal(dtype, normed.dtype);
    }
}
