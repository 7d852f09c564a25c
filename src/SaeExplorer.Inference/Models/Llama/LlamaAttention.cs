using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Grouped-query self-attention (MQA when there is one KV head). q/k/v live in one fused matrix and run as one GEMM;
/// the modules <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c> hold views of it under the checkpoint's names.
/// </summary>
public sealed class LlamaAttention : Module<Tensor, Tensor>
{
    private readonly Projection q_proj;
    private readonly Projection k_proj;
    private readonly Projection v_proj;
    private readonly Projection o_proj;
    private readonly Tensor _qkv;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly LlamaBackend _backend;

    public LlamaAttention(LlamaConfig config, ILlamaWeights weights, string prefix, Device device, LlamaBackend backend) : base("self_attn")
    {
        _backend = backend;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        long hidden = config.HiddenSize;
        var (fused, parts) = FusedProjections.Load(weights, device, hidden,
            (prefix + ".q_proj.weight", _heads * _headDim),
            (prefix + ".k_proj.weight", _kvHeads * _headDim),
            (prefix + ".v_proj.weight", _kvHeads * _headDim));
        _qkv = fused;
        q_proj = new Projection("q_proj", parts[0]);
        k_proj = new Projection("k_proj", parts[1]);
        v_proj = new Projection("v_proj", parts[2]);
        o_proj = new Projection("o_proj", weights.Get(prefix + ".o_proj.weight", [hidden, _heads * _headDim], device));
        RegisterComponents();
    }

    /// <summary>Not used: attention needs the position tables and the batch layout, see <see cref="Forward"/>.</summary>
    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("LlamaAttention needs rotary tables and the batch layout; call Forward(x, cos, sin, batch).");

    /// <param name="x">packed hidden states [N, hidden]</param>
    /// <param name="cos">[N, headDim]</param>
    /// <param name="sin">[N, headDim]</param>
    /// <param name="batch">where each prompt's tokens are, on x's device</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, PackedBatch batch)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var qkv = functional.linear(x, _qkv);
        var (qp, kp, vp) = _backend.AttentionInputs(qkv, cos, sin, batch, _heads, _kvHeads, _headDim);
        // Equal lengths need only the causal mask, which lets PyTorch pick its flash kernel.
        var attn = batch.Mask is null
            ? functional.scaled_dot_product_attention(qp, kp, vp, null, 0.0, true)
            : functional.scaled_dot_product_attention(qp, kp, vp, batch.Mask, 0.0, false);
        var merged = batch.Unpad(attn.transpose(1, 2)).reshape(n, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
