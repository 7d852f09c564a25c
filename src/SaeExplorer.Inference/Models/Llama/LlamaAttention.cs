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

    internal (int KvHeads, int HeadDim) CacheShape => (_kvHeads, _headDim);

    /// <summary>Not used: attention needs the position tables and the batch layout, see <see cref="Forward"/>.</summary>
    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("LlamaAttention needs rotary tables and the batch layout; call Forward(x, cos, sin, batch).");

    /// <param name="x">packed hidden states [N, hidden]</param>
    /// <param name="cos">[N, headDim]</param>
    /// <param name="sin">[N, headDim]</param>
    /// <param name="batch">where each prompt's tokens are, on x's device</param>
    /// <param name="cache">
    /// this layer's KV cache when decoding: whole prompts write their keys and values into it; a decoding step
    /// (<see cref="PackedBatch.Cached"/>) adds its token's and attends to everything cached before it
    /// </param>
    internal Tensor Forward(Tensor x, Tensor cos, Tensor sin, PackedBatch batch, KvCache.LayerCache? cache)
    {
        if (batch.Cached is { } step)
            return cache is null
                ? throw new InvalidOperationException("a decoding step needs the KV cache its earlier tokens were written to")
                : Step(x, cos, sin, step, cache);
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var qkv = functional.linear(x, _qkv);
        var (qp, kp, vp) = _backend.AttentionInputs(qkv, cos, sin, batch, _heads, _kvHeads, _headDim);
        if (cache is not null)
            WritePrompts(cache, kp, vp);
        // Equal lengths need only the causal mask, which lets PyTorch pick its flash kernel.
        var attn = batch.Mask is null
            ? functional.scaled_dot_product_attention(qp, kp, vp, null, 0.0, true)
            : functional.scaled_dot_product_attention(qp, kp, vp, batch.Mask, 0.0, false);
        var merged = batch.Unpad(attn.transpose(1, 2)).reshape(n, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Stores the prompts' keys and values [B, heads, Tmax, headDim] (KV heads repeated for the query heads) at
    /// positions 0..Tmax-1: one copy of each KV head. Padding past a prompt's end lands in the cache too, where its
    /// first generated tokens overwrite it and no mask lets anything read it before then.
    /// </summary>
    private void WritePrompts(KvCache.LayerCache cache, Tensor kp, Tensor vp)
    {
        if (cache.Keys.shape[0] != kp.shape[0])
            throw new InvalidOperationException($"the KV cache holds {cache.Keys.shape[0]} sequences, the batch {kp.shape[0]}");
        long tMax = kp.shape[2];
        if (tMax > cache.Keys.shape[2])
            throw new InvalidOperationException($"a prompt of {tMax} tokens does not fit a KV cache of {cache.Keys.shape[2]} positions");
        if (_kvHeads != _heads)
        {
            using var firsts = arange(0, _heads, _heads / _kvHeads, ScalarType.Int64, kp.device);
            kp = kp.index_select(1, firsts);
            vp = vp.index_select(1, firsts);
        }
        cache.Keys.narrow(2, 0, tMax).copy_(kp);
        cache.Values.narrow(2, 0, tMax).copy_(vp);
    }

    /// <summary>
    /// One new token per sequence: its key and value go to the cache at its position, and its query [B, heads, 1,
    /// headDim] attends to the cached positions 0..position.
    /// </summary>
    private Tensor Step(Tensor x, Tensor cos, Tensor sin, PackedBatch.CachedKeys step, KvCache.LayerCache cache)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        if (cache.Keys.shape[0] != n)
            throw new InvalidOperationException($"the KV cache holds {cache.Keys.shape[0]} sequences, the step {n}");
        if (step.KeyCount > cache.Keys.shape[2])
            throw new InvalidOperationException($"position {step.KeyCount - 1} is past the KV cache's {cache.Keys.shape[2]} positions");
        int qWidth = _heads * _headDim, kvWidth = _kvHeads * _headDim;
        var qkv = functional.linear(x, _qkv);
        var c = cos.unsqueeze(1);
        var s = sin.unsqueeze(1);
        var q = RotaryEmbedding.Apply(qkv.narrow(1, 0, qWidth).view(n, _heads, _headDim), c, s);
        var k = RotaryEmbedding.Apply(qkv.narrow(1, qWidth, kvWidth).view(n, _kvHeads, _headDim), c, s);
        var v = qkv.narrow(1, qWidth + kvWidth, kvWidth).view(n, _kvHeads, _headDim);
        var index = step.WriteIndex.expand(n, _kvHeads, 1, _headDim);
        cache.Keys.scatter_(2, index, k.unsqueeze(2));
        cache.Values.scatter_(2, index, v.unsqueeze(2));
        var keys = cache.Keys.narrow(2, 0, step.KeyCount);
        var values = cache.Values.narrow(2, 0, step.KeyCount);
        Tensor attn;
        if (_kvHeads == _heads)
            attn = functional.scaled_dot_product_attention(q.unsqueeze(2), keys, values, step.KeyMask, 0.0, false);
        else if (n == 1)
        {
            // One sequence: the KV heads repeated for their query heads, as transformers' decoding passes them; the copy
            // is small at batch 1.
            long keyCount = step.KeyCount, groups = _heads / _kvHeads;
            keys = keys.unsqueeze(2).expand(n, _kvHeads, groups, keyCount, _headDim).reshape(n, _heads, keyCount, _headDim);
            values = values.unsqueeze(2).expand(n, _kvHeads, groups, keyCount, _headDim).reshape(n, _heads, keyCount, _headDim);
            attn = functional.scaled_dot_product_attention(q.unsqueeze(2), keys, values, step.KeyMask, 0.0, false);
        }
        else
        {
            // A batch: the j-th query head of every KV head attends in one call, one query row per head, over the cache
            // as it is — no copy of it per step. Each call is one query per head, as in transformers' call; the single
            // call with the query heads grouped over their KV head [B, kv heads, groups, d] rounds differently in
            // bfloat16 and lets greedy answers drift (bench/gpu/sdpa_decode_check.py measures the three layouts).
            var grouped = q.view(n, _kvHeads, _heads / _kvHeads, _headDim);
            var parts = Enumerable.Range(0, _heads / _kvHeads)
                .Select(j => functional.scaled_dot_product_attention(grouped.narrow(2, j, 1), keys, values, step.KeyMask, 0.0, false))
                .ToArray();
            attn = cat(parts, 2);
        }
        return o_proj.forward(attn.reshape(n, qWidth)).MoveToOuterDisposeScope();
    }
}
