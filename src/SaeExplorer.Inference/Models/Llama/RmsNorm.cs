using SaeExplorer.Inference.Cuda;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Llama's RMSNorm exactly as transformers' <c>LlamaRMSNorm</c>: the statistic is taken in float32 whatever the
/// compute dtype, the normalised value is cast back, then multiplied by the weight in the compute dtype.
/// </summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(string name, ILlamaWeights weights, string checkpointName, long hiddenSize, double eps, Device device) : base(name)
    {
        weight = new Parameter(weights.Get(checkpointName, [hiddenSize], device), requires_grad: false);
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (LlamaKernels.For(input) is { } kernels && LlamaKernels.NormFits(input, weight))
            return kernels.RmsNorm(input, weight, _eps);
        using var scope = NewDisposeScope();
        var x = input.to_type(ScalarType.Float32);
        var variance = x.pow(2).mean([-1], keepdim: true);
        var normed = (x * torch.rsqrt(variance + _eps)).to_type(input.dtype);
        return (weight * normed).MoveToOuterDisposeScope();
    }

    /// <summary>The residual add h = x + delta and this norm of h (one fused pass on CUDA in bfloat16).</summary>
    public (Tensor Sum, Tensor Normed) AddThenForward(Tensor x, Tensor delta)
    {
        if (LlamaKernels.For(x) is { } kernels && delta.dtype == x.dtype && LlamaKernels.NormFits(x, delta, weight))
            return kernels.AddRmsNorm(x, delta, weight, _eps);
        using var scope = NewDisposeScope();
        var sum = x + delta;
        var normed = forward(sum);
        return (sum.MoveToOuterDisposeScope(), normed.MoveToOuterDisposeScope());
    }
}
