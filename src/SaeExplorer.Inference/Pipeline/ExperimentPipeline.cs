using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Core.Fingerprints;
using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Inference.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Pipeline;

/// <summary>What to run: model + SAE + layer + chat format over a prompt set.</summary>
public sealed record ExperimentRequest(
    string ModelDirectory,
    string SaePath,
    int Layer,
    string ChatFormat,
    PromptSet PromptSet,
    PoolingMethod Pooling,
    ComputeTarget Target,
    int BatchSize,
    IReadOnlyList<Contrast> Contrasts);

/// <summary>Progress of a run: the stage ("tokenize", "fingerprint", "load", "capture", "analyse") and how far it got.</summary>
public sealed record PipelineProgress(string Stage, int Done, int Total, string? Detail = null);

/// <summary>
/// A model and SAE already in memory (the dashboard keeps one loaded) that a run may use instead of loading its own;
/// used only when it is the run's model directory, SAE, dtype and device and holds the run's layer.
/// </summary>
public sealed record LoadedModel(LlamaForCausalLM Model, SparseAutoencoder Sae, string ModelDirectory, string SaePath)
{
    public bool Serves(ExperimentRequest request) =>
        Path.GetFullPath(request.ModelDirectory) == Path.GetFullPath(ModelDirectory)
        && Path.GetFullPath(request.SaePath) == Path.GetFullPath(SaePath)
        && request.Layer < Model.LoadedLayers
        && Model.DType == request.Target.DType && Model.Device.ToString() == request.Target.Device.ToString()
        && Sae.DType == request.Target.DType;
}

/// <summary>One prompt of a finished run, in prompt-set order, with what the cache holds for it.</summary>
public sealed record PromptResult(ExperimentPrompt Prompt, EncodedPrompt Encoded, CachedPrompt Cached, SparseVector PooledFeatures, float[] PooledActivations);

public sealed record ExperimentResult(
    IReadOnlyList<PromptResult> Prompts,
    ChatFormat ChatFormat,
    string ModelFingerprint,
    string SaeFingerprint,
    int DModel,
    int DSae,
    int ComputedCount,
    int CachedCount,
    FeatureDiffReport Report,
    SaeReconstructionQuality? Quality);

/// <summary>
/// Steps 1–3 of the seed experiment: capture the residual stream at the layer, encode it with the SAE, keep every
/// prompt's sparse features in the cache, then pool and analyse. Prompts already in the cache (same model, SAE,
/// layer, dtype, chat format and tokens) are not recomputed, and each computed prompt is stored as soon as it is
/// done, so a killed run resumes where it stopped. Runs synchronously on the calling thread (tensor scopes are
/// per thread).
/// </summary>
public sealed class ExperimentPipeline
{
    /// <param name="afterEachStored">called with the running count after each computed prompt is in the cache</param>
    /// <param name="onFingerprints">called once the work is known: (model fingerprint, SAE fingerprint, prompts, already cached)</param>
    public ExperimentResult Run(ExperimentRequest request, IFeatureCache cache, IProgress<PipelineProgress>? progress = null,
        CancellationToken cancellation = default, Action<int>? afterEachStored = null, Action<string, string, int, int>? onFingerprints = null,
        LoadedModel? loaded = null)
    {
        var config = LlamaConfig.Load(Path.Combine(request.ModelDirectory, "config.json"));
        if (request.Layer < 0 || request.Layer >= config.NumHiddenLayers)
            throw new ArgumentException($"layer {request.Layer} does not exist: {request.ModelDirectory} has decoder layers 0..{config.NumHiddenLayers - 1}.");

        var prompts = PromptSets.Expand(request.PromptSet);
        var format = ChatFormats.Resolve(request.ChatFormat, request.ModelDirectory);
        var encoder = new PromptEncoder(Llama3Tokenizer.Load(request.ModelDirectory), format, config.MaxPositionEmbeddings);
        var encoded = new EncodedPrompt[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
        {
            try
            {
                encoded[i] = encoder.Encode(prompts[i].Messages);
            }
            catch (InvalidPromptException e)
            {
                throw new InvalidPromptException($"prompt '{prompts[i].Id}': {e.Message}");
            }
        }
        progress?.Report(new PipelineProgress("tokenize", prompts.Count, prompts.Count));

        progress?.Report(new PipelineProgress("fingerprint", 0, 2));
        string modelFingerprint = FileFingerprint.ForModelDirectory(request.ModelDirectory);
        string saeFingerprint = SaeFingerprint(request.SaePath, request.Layer);
        progress?.Report(new PipelineProgress("fingerprint", 2, 2));

        string dtype = ComputeTarget.DTypeName(request.Target.DType);
        var keys = encoded.Select(e => FeatureCacheKey.Compute(modelFingerprint, saeFingerprint, request.Layer, dtype, format.ToString(), e.Ids)).ToArray();
        var missing = cache.MissingKeys(keys).ToHashSet(StringComparer.Ordinal);
        var todo = Enumerable.Range(0, prompts.Count).Where(i => missing.Contains(keys[i])).ToList();
        onFingerprints?.Invoke(modelFingerprint, saeFingerprint, prompts.Count, prompts.Count - todo.Count);
        int computed = 0, dSae = 0;
        SaeReconstructionQuality? quality = null;
        if (todo.Count > 0)
            (computed, dSae, quality) = loaded is not null && loaded.Serves(request)
                ? Compute(request, loaded.Model, loaded.Sae, encoded, keys, todo, cache, progress, cancellation, afterEachStored)
                : LoadAndCompute(request, config, encoded, keys, todo, cache, progress, cancellation, afterEachStored);

        var results = new List<PromptResult>(prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            if (!cache.TryGet(keys[i], out var cached))
                throw new InvalidOperationException($"prompt '{prompts[i].Id}' is missing from the cache after it was computed");
            var pooled = FeaturePooling.Pool(cached.Features, request.Pooling, cached.UserTokenPositions);
            results.Add(new PromptResult(prompts[i], encoded[i], cached, pooled, cached.PooledActivations[(int)request.Pooling]));
            dSae = cached.Features.FeatureCount;
        }
        progress?.Report(new PipelineProgress("analyse", 0, 1));
        var pooledPrompts = results.Select(r => new PooledPrompt(r.Prompt.Id, r.Prompt.Condition, r.Prompt.Topic, r.PooledFeatures)).ToList();
        var report = FeatureDiff.Analyze(pooledPrompts, request.Contrasts);
        progress?.Report(new PipelineProgress("analyse", 1, 1));
        return new ExperimentResult(results, format, modelFingerprint, saeFingerprint, config.HiddenSize, dSae, computed, prompts.Count - todo.Count, report, quality);
    }

    /// <summary>Content fingerprint of the SAE's files (the .pt, or cfg.json + weights of a folder format).</summary>
    public static string SaeFingerprint(string saePath, int layer)
    {
        var (format, location) = SaeLoader.Detect(saePath, layer);
        return format == SaeFormat.Goodfire
            ? FileFingerprint.ForFile(location)
            : FileFingerprint.Compute(Directory.GetFiles(location).Where(f => f.EndsWith(".json") || f.EndsWith(".safetensors")));
    }

    private static (int Computed, int DSae, SaeReconstructionQuality Quality) LoadAndCompute(ExperimentRequest request, LlamaConfig config, EncodedPrompt[] encoded, string[] keys,
        List<int> todo, IFeatureCache cache, IProgress<PipelineProgress>? progress, CancellationToken cancellation, Action<int>? afterEachStored)
    {
        // The SAE first: it is the smaller file, and a width mismatch should stop the run before the model loads.
        progress?.Report(new PipelineProgress("load", 0, 2, "SAE"));
        using var sae = SaeLoader.Load(request.SaePath, request.Target.DType, request.Target.Device, request.Layer);
        SaeLoader.EnsureFits(sae, config.HiddenSize, request.ModelDirectory);
        progress?.Report(new PipelineProgress("load", 1, 2, $"layers 0..{request.Layer}"));
        using var model = LlamaForCausalLM.Load(request.ModelDirectory, request.Layer, withHead: false, request.Target.DType, request.Target.Device);
        progress?.Report(new PipelineProgress("load", 2, 2));
        return Compute(request, model, sae, encoded, keys, todo, cache, progress, cancellation, afterEachStored);
    }

    private static (int Computed, int DSae, SaeReconstructionQuality Quality) Compute(ExperimentRequest request, LlamaForCausalLM model, SparseAutoencoder sae,
        EncodedPrompt[] encoded, string[] keys, List<int> todo, IFeatureCache cache, IProgress<PipelineProgress>? progress, CancellationToken cancellation,
        Action<int>? afterEachStored)
    {
        var capture = new ResidualCapture(model);
        var quality = new ReconstructionStatistics(sae.DIn);
        var ids = todo.Select(i => encoded[i].Ids).ToList();
        int done = 0;
        foreach (var captured in capture.Run(ids, [request.Layer], request.BatchSize, cancellation))
        {
            int i = todo[captured.Index];
            var resid = captured.ResidPost[request.Layer];
            var userPositions = PromptSegments.UserTokenPositions(encoded[i]);
            SparseFeatureMatrix features;
            using (var scope = NewDisposeScope())
            {
                var x = tensor(resid, [captured.TokenCount, captured.DModel], device: request.Target.Device);
                features = sae.EncodeSparse(x, quality: quality);
            }
            var pooledActivations = ActivationPooling.PoolAll(resid, captured.TokenCount, captured.DModel, userPositions);
            cache.Put(keys[i], new CachedPrompt(encoded[i].Ids, features, userPositions, pooledActivations));
            done++;
            progress?.Report(new PipelineProgress("capture", done, todo.Count));
            afterEachStored?.Invoke(done);
        }
        return (done, sae.DSae, quality.Result());
    }
}
