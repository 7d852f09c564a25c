using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Grouped-query self-attention (MQA when there is one KV head). Field names follow the checkpoint
/// (<c>self_attn.q_proj</c> …) so parameter names equal the state-dict keys.
/// </summary>
public sealed class LlamaAttention : Module<Tensor, Tensor>
{
    private readonly Projection q_proj;
    private readonly Projection k_proj;
    private readonly Projection v_proj;
    private readonly Projection o_proj;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    public LlamaAttention(LlamaConfig config, ILlamaWeights weights, string prefix) : base("self_attn")
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        long hidden = config.HiddenSize;
        q_proj = new Projection("q_proj", weights, prefix + ".q_proj.weight", _heads * _headDim, hidden);
        k_proj = new Projection("k_proj", weights, prefix + ".k_proj.weight", _kvHeads * _headDim, hidden);
        v_proj = new Projection("v_proj", weights, prefix + ".v_proj.weight", _kvHeads * _headDim, hidden);
        o_proj = new Projection("o_proj", weights, prefix + ".o_proj.weight", hidden, _heads * _headDim);
        RegisterComponents();
    }

    /// <summary>Not used: attention needs the position tables and mask, see the four-argument overload.</summary>
    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("LlamaAttention needs rotary tables and a mask; call Forward(x, cos, sin, mask).");

    /// <param name="x">[B, T, hidden]</param>
    /// <param name="cos">[B, T, headDim]</param>
    /// <param name="sin">[B, T, headDim]</param>
    /// <param name="mask">[B, 1, T, T] boolean, true where a query may attend to a key</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (_kvHeads != _heads)
        {
            // Each KV head serves heads/kvHeads consecutive query heads (transformers' repeat_kv layout).
            int groups = _heads / _kvHeads;
            k = k.repeat_interleave(groups, 1);
            v = v.repeat_interleave(groups, 1);
        }
        var attn = functional.scaled_dot_product_attention(q, k, v, mask, 0.0, false);
        var merged = attn.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
