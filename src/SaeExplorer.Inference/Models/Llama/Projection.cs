using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// A bias-free linear layer whose one parameter is named <c>weight</c> like <c>nn.Linear</c>'s, so its state-dict
/// name equals the checkpoint's (<c>...q_proj.weight</c>). Unlike TorchSharp's <c>Linear</c> it takes its weight
/// ready-made instead of randomly initialising one first, which for a 70B model would cost minutes and memory.
/// </summary>
public sealed class Projection : Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public Projection(string name, ILlamaWeights weights, string checkpointName, long outFeatures, long inFeatures) : base(name)
    {
        weight = new Parameter(weights.Get(checkpointName, [outFeatures, inFeatures]), requires_grad: false);
        RegisterComponents();
    }

    public Tensor Weight => weight;

    public override Tensor forward(Tensor input) => functional.linear(input, weight);
}
