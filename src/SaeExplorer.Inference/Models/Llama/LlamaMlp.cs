using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>The SiLU-gated MLP: <c>down_proj(silu(gate_proj(x)) * up_proj(x))</c>.</summary>
public sealed class LlamaMlp : Module<Tensor, Tensor>
{
    private readonly Projection gate_proj;
    private readonly Projection up_proj;
    private readonly Projection down_proj;

    public LlamaMlp(LlamaConfig config, ILlamaWeights weights, string prefix) : base("mlp")
    {
        gate_proj = new Projection("gate_proj", weights, prefix + ".gate_proj.weight", config.IntermediateSize, config.HiddenSize);
        up_proj = new Projection("up_proj", weights, prefix + ".up_proj.weight", config.IntermediateSize, config.HiddenSize);
        down_proj = new Projection("down_proj", weights, prefix + ".down_proj.weight", config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = functional.silu(gate_proj.forward(x)) * up_proj.forward(x);
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }
}
