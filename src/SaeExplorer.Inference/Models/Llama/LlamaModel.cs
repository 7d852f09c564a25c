using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// The decoder stack (<c>model.*</c> in the checkpoint), built only up to the deepest layer asked for. Layers may be
/// spread over several devices (a pipeline split: layer i on <c>devices[i]</c>); the hidden state follows them.
/// Activations leave, or are replaced, through named <see cref="Hooks"/>; the kernels each device's layers run
/// through are chosen once, here (<see cref="LlamaBackend.For"/>).
/// </summary>
public sealed class LlamaModel : Module<Tensor, Tensor>
{
    private readonly TokenEmbedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm? norm;
    private readonly Dictionary<string, Tensor> _invFreq = [];
    private readonly float[] _invFreqValues;

    public LlamaModel(LlamaConfig config, ILlamaWeights weights, IReadOnlyList<Device> layerDevices, Device embedDevice, bool withFinalNorm) : base("model")
    {
        // One backend per device, shared by the layers placed there.
        var backends = new Dictionary<string, LlamaBackend>();
        LlamaBackend BackendOn(Device device)
        {
            var key = device.ToString();
            if (!backends.TryGetValue(key, out var backend))
                backends[key] = backend = LlamaBackend.For(device, weights.DType);
            return backend;
        }

        embed_tokens = new TokenEmbedding(weights, "model.embed_tokens.weight", config.VocabSize, config.HiddenSize, embedDevice);
        Backend = BackendOn(embedDevice);
        layers = new ModuleList<LlamaDecoderLayer>();
        for (int i = 0; i < layerDevices.Count; i++)
            layers.Add(new LlamaDecoderLayer(config, weights, i, layerDevices[i], BackendOn(layerDevices[i])));
        OutputDevice = layerDevices.Count > 0 ? layerDevices[^1] : embedDevice;
        if (withFinalNorm)
            norm = new RmsNorm("norm", weights, "model.norm.weight", config.HiddenSize, config.RmsNormEps, OutputDevice, BackendOn(OutputDevice));
        Hooks = new HookPoints(layerDevices.Count);
        _invFreqValues = RotaryEmbedding.InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
        RegisterComponents();
    }

    public int LayerCount => layers.Count;
    public bool HasFinalNorm => norm is not null;
    public Device EmbedDevice => embed_tokens.Weight.device;
    public Device OutputDevice { get; }
    internal TokenEmbedding EmbedTokens => embed_tokens;

    /// <summary>
    /// The backend of the first device (the embedding's, which holds layer 0). Each device of a split gets its own
    /// by the same rule (<see cref="LlamaDecoderLayer.Backend"/>).
    /// </summary>
    public LlamaBackend Backend { get; }

    /// <summary><c>hook_embed</c> and <c>blocks.{l}.hook_resid_post</c> for each loaded layer.</summary>
    public HookPoints Hooks { get; }

    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("Call Forward(batch, ...) to choose what to capture.");

    /// <summary>
    /// Runs layers 0..<paramref name="lastLayer"/> on a packed batch and returns the packed hidden states [N, hidden]
    /// of the last layer run (after the final norm when <paramref name="applyFinalNorm"/>), calling the hooks attached
    /// to <c>hook_embed</c> and to <c>blocks.{l}.hook_resid_post</c> for l up to <paramref name="lastLayer"/> on the way.
    /// </summary>
    /// <param name="cache">
    /// when decoding: whole prompts write their keys and values into it, a step (<see cref="PackedBatch.Step"/>) reads
    /// them and adds its own
    /// </param>
    public Tensor Forward(PackedBatch batch, int lastLayer, bool applyFinalNorm, KvCache? cache = null)
    {
        if (lastLayer >= layers.Count)
            throw new ArgumentOutOfRangeException(nameof(lastLayer), $"layer {lastLayer} was not loaded (this instance holds layers 0..{layers.Count - 1})");
        if (applyFinalNorm && norm is null)
            throw new InvalidOperationException("the final norm was not loaded");

        using var scope = NewDisposeScope();
        var embedBatch = batch.On(EmbedDevice);
        var h = Hooks.Embed.Run(embed_tokens.forward(embedBatch.Ids), embedBatch);

        // Rotary tables depend only on positions: compute them once per device, not once per layer.
        var tables = new Dictionary<string, (Tensor Cos, Tensor Sin)>();
        for (int i = 0; i <= lastLayer; i++)
        {
            var layer = layers[i];
            var local = batch.On(layer.Device);
            if (h.device.type != layer.Device.type || h.device.index != layer.Device.index)
                h = h.to(layer.Device);
            var key = layer.Device.ToString();
            if (!tables.TryGetValue(key, out var t))
            {
                t = RotaryEmbedding.Tables(InverseFrequencies(layer.Device), local.Positions, h.dtype);
                tables[key] = t;
            }
            var next = layer.Forward(h, t.Cos, t.Sin, local, cache?.Layer(i));
            h.Dispose();
            h = Hooks.ResidPost(i).Run(next, local);
        }
        if (applyFinalNorm)
            h = norm!.forward(h.to(OutputDevice));
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// An empty KV cache for <paramref name="sequences"/> sequences of up to <paramref name="capacity"/> positions,
    /// each layer's part on that layer's device.
    /// </summary>
    public KvCache CreateCache(int sequences, int capacity)
    {
        var (kvHeads, headDim) = layers.Count > 0 ? layers[0].CacheShape : (1, 1);
        var dtype = embed_tokens.Weight.dtype;
        return new KvCache([.. layers.Select(l => l.Device)], sequences, capacity, kvHeads, headDim, dtype);
    }

    private Tensor InverseFrequencies(Device device)
    {
        var key = device.ToString();
        if (!_invFreq.TryGetValue(key, out var t))
        {
            // Cached for the model's lifetime, so it must not belong to the dispose scope of the call that made it.
            t = tensor(_invFreqValues, device: device).DetachFromDisposeScope();
            _invFreq[key] = t;
        }
        return t;
    }
}
