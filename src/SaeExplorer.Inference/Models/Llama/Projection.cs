using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// A bias-free linear layer whose one parameter is named <c>weight</c> like <c>nn.Linear</c>'s, so its state-dict
/// name equals the checkpoint's (<c>...q_proj.weight</c>). Unlike TorchSharp's <c>Linear</c> it takes its weight
/// ready-made instead of randomly initialising one first, which for a 70B model would cost minutes and memory. The
/// weight may be a view into a fused matrix (see <see cref="FusedProjections"/>).
/// </summary>
public sealed class Projection : Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public Projection(string name, Tensor weight) : base(name)
    {
        this.weight = new Parameter(weight, requires_grad: false);
        RegisterComponents();
    }

    public Tensor Weight => weight;

    public override Tensor forward(Tensor input) => functional.linear(input, weight);
}

/// <summary>
/// Several projections that read the same input, stored as one matrix so they run as one GEMM (q/k/v, gate/up):
/// one bigger product uses the GPU better than three small ones and saves kernel launches. The parts stay
/// addressable as views under their checkpoint names.
/// </summary>
public static class FusedProjections
{
    /// <summary>Reads each part, copies it into one [Σ out, in] matrix on the device, and returns the fused matrix and the parts (views).</summary>
    public static (Tensor Fused, Tensor[] Parts) Load(ILlamaWeights weights, Device device, long inFeatures, params (string Name, long OutFeatures)[] parts)
    {
        long total = parts.Sum(p => p.OutFeatures);
        var fused = empty([total, inFeatures], weights.DType, device);
        var views = new Tensor[parts.Length];
        long offset = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            views[i] = fused.narrow(0, offset, parts[i].OutFeatures);
            using (var part = weights.Get(parts[i].Name, [parts[i].OutFeatures, inFeatures], device))
                views[i].copy_(part);
            offset += parts[i].OutFeatures;
        }
        return (fused, views);
    }
}
