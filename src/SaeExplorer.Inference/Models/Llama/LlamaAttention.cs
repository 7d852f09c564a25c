using SaeExplorer.Inference.Cuda;
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

    public LlamaAttention(LlamaConfig config, ILlamaWeights weights, string prefix, Device device) : base("self_attn")
    {
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
        int qWidth = _heads * _headDim, kvWidth = _kvHeads * _headDim;
        var qkv = functional.linear(x, _qkv);
        Tensor qp, kp, vp;
        if (LlamaKernels.For(qkv) is { } kernels && LlamaKernels.AttentionInputsFit(qkv, cos, sin, _heads, _kvHeads, _headDim))
        {
            // One pass rotates q and k, scatters q/k/v into the padded layout and repeats the KV heads.
            var (q, k, v) = kernels.AttentionInputs(qkv, cos, sin, batch.PadIndex, (long)batch.BatchSize * batch.MaxLength, _heads, _kvHeads, _headDim);
            qp = q.view(batch.BatchSize, batch.MaxLength, _heads, _headDim).transpose(1, 2);
            kp = k.view(batch.BatchSize, batch.MaxLength, _heads, _headDim).transpose(1, 2);
            vp = v.view(batch.BatchSize, batch.MaxLength, _heads, _headDim).transpose(1, 2);
        }
        else
        {
            var c = cos.unsqueeze(1);
            var s = sin.unsqueeze(1);
            var q = RotaryEmbedding.Apply(qkv.narrow(1, 0, qWidth).view(n, _heads, _headDim), c, s);
            var k = RotaryEmbedding.Apply(qkv.narrow(1, qWidth, kvWidth).view(n, _kvHeads, _headDim), c, s);
            var v = qkv.narrow(1, qWidth + kvWidth, kvWidth).view(n, _kvHeads, _headDim);

            // [B, heads, Tmax, D] for scaled_dot_product_attention.
            qp = batch.Pad(q).transpose(1, 2);
            kp = batch.Pad(k).transpose(1, 2);
            vp = batch.Pad(v).transpose(1, 2);
            if (_kvHeads != _heads)
            {
                // Each KV head serves heads/kvHeads consecutive query heads (transformers' repeat_kv layout).
                int groups = _heads / _kvHeads;
                kp = kp.repeat_interleave(groups, 1);
                vp = vp.repeat_interleave(groups, 1);
            }
        }
        // Equal lengths need only the causal mask, which lets PyTorch pick its flash kernel.
        var attn = batch.Mask is null
            ? functional.scaled_dot_product_attention(qp, kp, vp, null, 0.0, true)
            : functional.scaled_dot_product_attention(qp, kp, vp, batch.Mask, 0.0, false);
        var merged = batch.Unpad(attn.transpose(1, 2)).reshape(n, qWidth);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
