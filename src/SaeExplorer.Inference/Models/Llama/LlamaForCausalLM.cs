using SaeExplorer.Inference.Loading;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// The root module, named like transformers' <c>LlamaForCausalLM</c> so parameter names equal checkpoint keys
/// (<c>model.layers.3.mlp.up_proj.weight</c>, <c>lm_head.weight</c>). Built for a purpose: a residual capture of
/// layer L holds layers 0..L and nothing deeper; the final norm and <c>lm_head</c> only when logits are wanted.
/// </summary>
public sealed class LlamaForCausalLM : Module<Tensor, Tensor>
{
    private readonly LlamaModel model;
    private readonly Projection? lm_head;
    private readonly Tensor? _tiedHead;

    private LlamaForCausalLM(LlamaConfig config, ILlamaWeights weights, int layerCount, bool withHead, IReadOnlyList<Device> devices)
        : base("LlamaForCausalLM")
    {
        Config = config;
        DType = weights.DType;
        Devices = devices;
        var placement = LayerPlacement(layerCount, devices);
        model = new LlamaModel(config, weights, placement, devices[0], withHead);
        if (withHead)
        {
            if (config.TieWordEmbeddings)
                _tiedHead = model.EmbedTokens.Weight.to(model.OutputDevice);
            else
                lm_head = new Projection("lm_head", weights.Get("lm_head.weight", [config.VocabSize, config.HiddenSize], model.OutputDevice));
        }
        RegisterComponents();
        eval();
    }

    public LlamaConfig Config { get; }

    /// <summary>The devices the layers are spread over (one for a single GPU or CPU).</summary>
    public IReadOnlyList<Device> Devices { get; }

    /// <summary>Where inputs go (the embedding's device).</summary>
    public Device Device => Devices[0];

    public ScalarType DType { get; }
    public LlamaModel Model => model;

    /// <summary>The decoder stack's hook points (<see cref="LlamaModel.Hooks"/>).</summary>
    public HookPoints Hooks => model.Hooks;
    public int LoadedLayers => model.LayerCount;
    public bool HasHead => model.HasFinalNorm;

    /// <summary>
    /// Contiguous, balanced split of <paramref name="layerCount"/> layers over the devices (a pipeline split: the
    /// hidden state crosses devices once per boundary, instead of every weight matrix being sharded).
    /// </summary>
    public static Device[] LayerPlacement(int layerCount, IReadOnlyList<Device> devices)
    {
        if (devices.Count == 0)
            throw new ArgumentException("at least one device is needed", nameof(devices));
        var result = new Device[layerCount];
        for (int i = 0; i < layerCount; i++)
            result[i] = devices[(int)((long)i * devices.Count / Math.Max(1, layerCount))];
        return result;
    }

    /// <summary>
    /// Loads what a capture up to <paramref name="deepestLayer"/> needs (or everything, with the head, when
    /// <paramref name="withHead"/>), reading only those tensors from the directory.
    /// </summary>
    public static LlamaForCausalLM Load(string modelDirectory, int deepestLayer, bool withHead, ScalarType dtype, Device device) =>
        Load(modelDirectory, deepestLayer, withHead, dtype, [device]);

    public static LlamaForCausalLM Load(string modelDirectory, int deepestLayer, bool withHead, ScalarType dtype, IReadOnlyList<Device> devices)
    {
        var config = LlamaConfig.Load(Path.Combine(modelDirectory, "config.json"));
        if (deepestLayer < -1 || deepestLayer >= config.NumHiddenLayers)
            throw new ArgumentOutOfRangeException(nameof(deepestLayer),
                $"layer {deepestLayer} does not exist: {modelDirectory} has {config.NumHiddenLayers} decoder layers (0..{config.NumHiddenLayers - 1}).");
        using var dir = ModelDirectory.Open(modelDirectory);
        using var weights = new CheckpointWeights(dir, dtype);
        var model = Create(config, weights, withHead ? config.NumHiddenLayers : deepestLayer + 1, withHead, devices);
        try
        {
            weights.EnsureFinite();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    public static LlamaForCausalLM Create(LlamaConfig config, ILlamaWeights weights, int layerCount, bool withHead, Device device) =>
        Create(config, weights, layerCount, withHead, [device]);

    public static LlamaForCausalLM Create(LlamaConfig config, ILlamaWeights weights, int layerCount, bool withHead, IReadOnlyList<Device> devices)
    {
        using var noGrad = no_grad();
        return new LlamaForCausalLM(config, weights, layerCount, withHead, devices);
    }

    public override Tensor forward(Tensor input) =>
        throw new InvalidOperationException("Call Model.Forward(...) for residuals or Logits(...) for next-token scores.");

    /// <summary>Logits [N, vocab] in float32 for a packed batch; needs the model loaded with its head.</summary>
    public Tensor Logits(PackedBatch batch) => Head(batch, lastOnly: false);

    /// <summary>
    /// Logits [prompts, vocab] in float32 of each prompt's last token: what a decoder needs next, without the head's
    /// vocabulary-wide product for every other position.
    /// </summary>
    /// <param name="cache">when decoding, the sequences' KV cache (see <see cref="LlamaModel.Forward"/>)</param>
    public Tensor LastLogits(PackedBatch batch, KvCache? cache = null) => Head(batch, lastOnly: true, cache);

    private Tensor Head(PackedBatch batch, bool lastOnly, KvCache? cache = null)
    {
        if (!HasHead)
            throw new InvalidOperationException("this instance was loaded without the final norm and lm_head");
        using var scope = NewDisposeScope();
        var h = model.Forward(batch, model.LayerCount - 1, applyFinalNorm: true, cache);
        if (lastOnly)
        {
            var last = batch.Offsets.Take(batch.BatchSize).Select((offset, p) => (long)offset + batch.Lengths[p] - 1).ToArray();
            h = h.index_select(0, tensor(last, device: h.device));
        }
        var logits = lm_head is not null ? lm_head.forward(h) : functional.linear(h, _tiedHead!);
        return logits.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
