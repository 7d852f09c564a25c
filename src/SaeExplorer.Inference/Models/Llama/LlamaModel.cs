using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>The decoder stack (<c>model.*</c> in the checkpoint), built only up to the deepest layer asked for.</summary>
public sealed class LlamaModel : Module<Tensor, Tensor>
{
    private readonly TokenEmbedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm? norm;
    private readonly Tensor _invFreq;
    private readonly LlamaConfig _config;

    public LlamaModel(LlamaConfig config, ILlamaWeights weights, int layerCount, bool withFinalNorm, Device device) : base("model")
    {
        _config = config;
        embed_tokens = new TokenEmbedding(weights, "model.embed_tokens.weight", config.VocabSize, config.HiddenSize);
        layers = new ModuleList<LlamaDecoderLayer>();
        for (int i = 0; i < layerCount; i++)
            layers.Add(new LlamaDecoderLayer(config, weights, i));
        if (withFinalNorm)
            norm = new RmsNorm("norm", weights, "model.norm.weight", config.HiddenSize, config.RmsNormEps);
        _invFreq = tensor(RotaryEmbedding.InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling), device: device);
        RegisterComponents();
    }

    public int LayerCount => layers.Count;
    public bool HasFinalNorm => norm is not null;
    internal TokenEmbedding EmbedTokens => embed_tokens;

    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("Call Forward(ids, attentionMask, ...) to choose what to capture.");

    /// <summary>
    /// Runs the stack on right-padded <paramref name="ids"/> [B, T]. Each row's real tokens sit at positions
    /// 0..len-1, exactly as if the row ran alone, so padded batches reproduce one-at-a-time activations; padding
    /// keys are masked out of attention. Runs layers 0..<paramref name="lastLayer"/> only.
    /// </summary>
    /// <param name="attentionMask">[B, T] bool, true on real tokens</param>
    /// <param name="onResidual">
    /// called with (layer, resid_post [B, T, hidden]) after every layer; layer -1 is the embedding output. The tensor
    /// is freed once the next layer has run: a callback that keeps it must copy it out of this scope.
    /// </param>
    /// <returns>The output of the last layer run, or of the final norm when <paramref name="applyFinalNorm"/>.</returns>
    public Tensor Forward(Tensor ids, Tensor attentionMask, int lastLayer, bool applyFinalNorm, Action<int, Tensor>? onResidual)
    {
        if (lastLayer >= layers.Count)
            throw new ArgumentOutOfRangeException(nameof(lastLayer), $"layer {lastLayer} was not loaded (this instance holds layers 0..{layers.Count - 1})");
        if (applyFinalNorm && norm is null)
            throw new InvalidOperationException("the final norm was not loaded");

        using var scope = NewDisposeScope();
        long b = ids.shape[0], t = ids.shape[1];
        var h = embed_tokens.forward(ids);
        onResidual?.Invoke(-1, h);

        var positions = arange(t, ScalarType.Int64, ids.device).unsqueeze(0).expand(b, t);
        var (cos, sin) = RotaryEmbedding.Tables(_invFreq, positions, h.dtype);
        var causal = ones(t, t, ScalarType.Bool, ids.device).tril();
        var mask = causal.unsqueeze(0).unsqueeze(0).logical_and(attentionMask.unsqueeze(1).unsqueeze(2));

        for (int i = 0; i <= lastLayer; i++)
        {
            var next = layers[i].Forward(h, cos, sin, mask);
            h.Dispose();
            h = next;
            onResidual?.Invoke(i, h);
        }
        if (applyFinalNorm)
            h = norm!.forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
