using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// The SiLU-gated MLP: <c>down_proj(silu(gate_proj(x)) * up_proj(x))</c>, with gate and up fused into one matrix
/// (one GEMM) and exposed as views under their checkpoint names.
/// </summary>
public sealed class LlamaMlp : Module<Tensor, Tensor>
{
    private readonly Projection gate_proj;
    private readonly Projection up_proj;
    private readonly Projection down_proj;
    private readonly Tensor _gateUp;
    private readonly long _intermediate;
    private readonly LlamaBackend _backend;

    public LlamaMlp(LlamaConfig config, ILlamaWeights weights, string prefix, Device device, LlamaBackend backend) : base("mlp")
    {
        _backend = backend;
        _intermediate = config.IntermediateSize;
        var (fused, parts) = FusedProjections.Load(weights, device, config.HiddenSize,
            (prefix + ".gate_proj.weight", _intermediate),
            (prefix + ".up_proj.weight", _intermediate));
        _gateUp = fused;
        gate_proj = new Projection("gate_proj", parts[0]);
        up_proj = new Projection("up_proj", parts[1]);
        down_proj = new Projection("down_proj", weights.Get(prefix + ".down_proj.weight", [config.HiddenSize, _intermediate], device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gateUp = functional.linear(x, _gateUp);
        return down_proj.forward(_backend.SiluMul(gateUp, _intermediate)).MoveToOuterDisposeScope();
    }
}
