using SaeExplorer.Inference.Models.Llama;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Capture;

/// <summary>
/// Captures resid_post of chosen layers for many prompts, through a sink attached to each layer's
/// <c>blocks.{l}.hook_resid_post</c> for the batch's forward pass. Prompts are grouped into batches of similar length
/// (longest first, so the largest allocation happens at once and an out-of-memory shows up immediately) and packed
/// end to end (<see cref="PackedBatch"/>): no compute is spent on padding, and attention keeps the prompts apart, so
/// results equal one-prompt-at-a-time runs.
/// All tensor work happens synchronously on the calling thread inside dispose scopes.
/// </summary>
public sealed class ResidualCapture(LlamaForCausalLM model)
{
    public LlamaForCausalLM Model { get; } = model;

    /// <summary>The order prompts are processed in, grouped into batches (stable for equal lengths).</summary>
    public static IReadOnlyList<int[]> PlanBatches(IReadOnlyList<int> lengths, int batchSize)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        return order.Chunk(batchSize).ToList();
    }

    public void Validate(IReadOnlyList<int[]> prompts, IReadOnlyCollection<int> layers)
    {
        var config = Model.Config;
        foreach (var layer in layers)
        {
            // Whether the layer exists was checked where the user named it (LayerCheck); this is what this instance holds.
            if (layer < 0 || layer >= Model.LoadedLayers)
                throw new ArgumentOutOfRangeException(nameof(layers), $"layer {layer} was not loaded (loaded: 0..{Model.LoadedLayers - 1}); load the model for the deepest layer you capture.");
        }
        for (int i = 0; i < prompts.Count; i++)
        {
            var ids = prompts[i];
            if (ids.Length == 0)
                throw new ArgumentException($"prompt {i} has no tokens.", nameof(prompts));
            if (ids.Length > config.MaxPositionEmbeddings)
                throw new ArgumentException($"prompt {i} has {ids.Length} tokens, more than the model's context of {config.MaxPositionEmbeddings}.", nameof(prompts));
            foreach (var id in ids)
                if (id < 0 || id >= config.VocabSize)
                    throw new ArgumentException($"prompt {i} contains token id {id}, outside the vocabulary (0..{config.VocabSize - 1}); was it tokenized for another model?", nameof(prompts));
        }
    }

    /// <summary>
    /// Runs every prompt and yields each one's activations as soon as its batch is done, in the order of
    /// <see cref="PlanBatches"/>.
    /// </summary>
    public IEnumerable<CapturedPrompt> Run(IReadOnlyList<int[]> prompts, IReadOnlyCollection<int> layers, int batchSize, CancellationToken cancellation = default)
    {
        Validate(prompts, layers);
        if (layers.Count == 0)
            throw new ArgumentException("no layers to capture", nameof(layers));
        var wanted = layers.ToHashSet();
        int deepest = wanted.Max();
        foreach (var batch in PlanBatches(prompts.Select(p => p.Length).ToList(), batchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (var result in RunBatch(prompts, batch, wanted, deepest))
                yield return result;
        }
    }

    private List<CapturedPrompt> RunBatch(IReadOnlyList<int[]> prompts, int[] batch, HashSet<int> wanted, int deepest)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int d = Model.Config.HiddenSize;
        using var packed = PackedBatch.Create(batch.Select(i => prompts[i]).ToList(), Model.Device);

        // Captured layers stay on the device until the pass is over: copying to the host inside the layer loop
        // would synchronise the GPU once per captured layer. The copies move out of the forward pass's dispose
        // scope (the hooks run inside it) into this one.
        var captured = new Dictionary<int, Tensor>();
        var sinks = wanted.Select(layer => Model.Hooks.ResidPost(layer).Attach((h, _) =>
        {
            captured[layer] = h.to_type(ScalarType.Float32, copy: true).MoveToOuterDisposeScope();
            return null;
        })).ToList();
        try
        {
            Model.Model.Forward(packed, deepest, applyFinalNorm: false);
        }
        finally
        {
            foreach (var sink in sinks)
                sink.Dispose();
        }

        var perLayer = captured.ToDictionary(kv => kv.Key, kv => kv.Value.cpu().contiguous().data<float>().ToArray());
        var results = new List<CapturedPrompt>(batch.Length);
        for (int r = 0; r < batch.Length; r++)
        {
            var ids = prompts[batch[r]];
            var resid = new Dictionary<int, float[]>();
            foreach (var (layer, all) in perLayer)
            {
                var rows = new float[ids.Length * d];
                Array.Copy(all, (long)packed.Offsets[r] * d, rows, 0, (long)ids.Length * d);
                resid[layer] = rows;
            }
            results.Add(new CapturedPrompt(batch[r], ids, d, resid));
        }
        return results;
    }
}
