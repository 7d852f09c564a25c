using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>One pre-norm decoder block; its output is the residual stream "after layer l" (resid_post).</summary>
public sealed class LlamaDecoderLayer : Module<Tensor, Tensor>
{
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;

    public LlamaDecoderLayer(LlamaConfig config, ILlamaWeights weights, int index, Device device, LlamaBackend backend) : base($"layers.{index}")
    {
        Device = device;
        Backend = backend;
        var prefix = $"model.layers.{index}";
        self_attn = new LlamaAttention(config, weights, prefix + ".self_attn", device, backend);
        mlp = new LlamaMlp(config, weights, prefix + ".mlp", device, backend);
        input_layernorm = new RmsNorm("input_layernorm", weights, prefix + ".input_layernorm.weight", config.HiddenSize, config.RmsNormEps, device, backend);
        post_attention_layernorm = new RmsNorm("post_attention_layernorm", weights, prefix + ".post_attention_layernorm.weight", config.HiddenSize, config.RmsNormEps, device, backend);
        RegisterComponents();
    }

    /// <summary>The device holding this layer's weights.</summary>
    public Device Device { get; }

    /// <summary>The kernels this layer's steps run through, chosen for its device when the model was built.</summary>
    public LlamaBackend Backend { get; }

    /// <summary>The number of KV heads and the head width, for a cache of this layer.</summary>
    internal (int KvHeads, int HeadDim) CacheShape => self_attn.CacheShape;

    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("LlamaDecoderLayer needs rotary tables and the batch layout; call Forward(x, cos, sin, batch).");

    internal Tensor Forward(Tensor x, Tensor cos, Tensor sin, PackedBatch batch, KvCache.LayerCache? cache)
    {
        using var scope = NewDisposeScope();
        var attention = self_attn.Forward(input_layernorm.forward(x), cos, sin, batch, cache);
        var (h, normed) = post_attention_layernorm.AddThenForward(x, attention);
        var output = h + mlp.forward(normed);
        return output.MoveToOuterDisposeScope();
    }
}
