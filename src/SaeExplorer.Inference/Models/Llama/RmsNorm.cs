using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Llama's RMSNorm exactly as transformers' <c>LlamaRMSNorm</c> (see <see cref="LlamaBackend.RmsNorm"/>), through the
/// backend chosen for its device.
/// </summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double _eps;
    private readonly LlamaBackend _backend;

    public RmsNorm(string name, ILlamaWeights weights, string checkpointName, long hiddenSize, double eps, Device device, LlamaBackend backend) : base(name)
    {
        weight = new Parameter(weights.Get(checkpointName, [hiddenSize], device), requires_grad: false);
        _eps = eps;
        _backend = backend;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => _backend.RmsNorm(input, weight, _eps);

    /// <summary>The residual add h = x + delta and this norm of h (one fused pass on CUDA in bfloat16).</summary>
    public (Tensor Sum, Tensor Normed) AddThenForward(Tensor x, Tensor delta) => _backend.AddRmsNorm(x, delta, weight, _eps);
}
