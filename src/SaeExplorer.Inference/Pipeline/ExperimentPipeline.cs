using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Runs.Sources;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Pipeline;

/// <summary>What to run: a resolved model and SAE, the layer (already checked against both), a chat format and a prompt set.</summary>
public sealed record ExperimentRequest(
    ModelSource Model,
    SaeSource Sae,
    int Layer,
    string ChatFormat,
    PromptSet PromptSet,
    PoolingMethod Pooling,
    ComputeDevice Device,
    ComputeDType DType,
    int BatchSize,
    IReadOnlyList<Contrast> Contrasts);

/// <summary>Progress of a run: the stage ("tokenize", "load", "capture", "analyse") and how far it got.</summary>
public sealed record PipelineProgress(string Stage, int Done, int Total, string? Detail = null);

/// <summary>
/// A model and SAE already in memory (the dashboard keeps one loaded) that a run may use instead of loading its own;
/// used only when they are the run's model and SAE (by content), dtype and device and hold the run's layer.
/// </summary>
public sealed record LoadedModel(LlamaForCausalLM Model, SparseAutoencoder Sae, ModelSource ModelSource, SaeSource SaeSource)
{
    public bool Serves(ExperimentRequest request) =>
        request.Model.Fingerprint == ModelSource.Fingerprint
        && request.Sae.Fingerprint == SaeSource.Fingerprint
        && request.Layer < Model.LoadedLayers
        && Model.DType == ComputeTarget.ToTorch(request.DType) && Sae.DType == Model.DType
        && Model.Device.ToString() == ComputeTarget.ToTorch(request.Device).ToString();
}

/// <summary>
/// An experiment tokenized and keyed: every prompt's tokens and cache key under the run's <see cref="Identity"/>.
/// Cheap next to the model; made before a run is recorded, so the record carries the identity its keys depend on.
/// </summary>
public sealed class PreparedExperiment
{
    internal PreparedExperiment(ExperimentRequest request, ChatFormat format, CacheIdentity identity, IReadOnlyList<ExperimentPrompt> prompts, EncodedPrompt[] encoded)
    {
        Request = request;
        Format = format;
        Identity = identity;
        Prompts = prompts;
        Encoded = encoded;
        Keys = encoded.Select(e => identity.Key(e.Ids)).ToArray();
    }

    public ExperimentRequest Request { get; }
    public ChatFormat Format { get; }
    public CacheIdentity Identity { get; }
    public IReadOnlyList<ExperimentPrompt> Prompts { get; }
    internal EncodedPrompt[] Encoded { get; }
    internal string[] Keys { get; }

    /// <summary>Indices of the prompts the cache does not hold yet.</summary>
    public IReadOnlyList<int> Missing(IFeatureCache cache)
    {
        var missing = cache.MissingKeys(Keys).ToHashSet(StringComparer.Ordinal);
        return Enumerable.Range(0, Keys.Length).Where(i => missing.Contains(Keys[i])).ToList();
    }

    /// <summary>
    /// The prompts to run through the model to fill the cache: every prompt of each batch (planned over the whole
    /// prompt set, so a prompt's batch never depends on what is cached) that holds a missing one. A batch's companions
    /// change a prompt's rounding, so a run resumed after a kill mid-batch recomputes that batch whole and gets the
    /// numbers an uninterrupted run gets.
    /// </summary>
    public IReadOnlyList<int> BatchesToCompute(IFeatureCache cache) => BatchesToCompute(Missing(cache).ToHashSet());

    private IReadOnlyList<int> BatchesToCompute(HashSet<int> missing) =>
        ResidualCapture.PlanBatches(Encoded.Select(e => e.Ids.Length).ToList(), Request.BatchSize)
            .Where(batch => batch.Any(missing.Contains))
            .SelectMany(batch => batch)
            .ToList();

    /// <summary>What <see cref="ExperimentPipeline.Run"/> computes: the missing prompts (one look-up in the cache) and the whole batches holding them.</summary>
    internal (HashSet<int> Missing, IReadOnlyList<int> Batches) Plan(IFeatureCache cache)
    {
        var missing = Missing(cache).ToHashSet();
        return (missing, BatchesToCompute(missing));
    }

    /// <summary>This experiment keyed under <paramref name="identity"/>: a run recorded before runs kept their batch size.</summary>
    internal PreparedExperiment KeyedAs(CacheIdentity identity) => new(Request, Format, identity, Prompts, Encoded);

    /// <summary>The run record's description of this experiment.</summary>
    public RunSpec Spec(string promptSetHash) =>
        new(Request.PromptSet.Name, promptSetHash, Identity, Request.Pooling, Prompts.Count, Request.Model.Directory, Request.Sae.Path);
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
    /// <summary>Tokenizes every prompt and computes its cache key; refuses a prompt the chat format or the context cannot take.</summary>
    public static PreparedExperiment Prepare(ExperimentRequest request, IProgress<PipelineProgress>? progress = null)
    {
        var prompts = PromptSets.Expand(request.PromptSet);
        var format = ChatFormats.Resolve(request.ChatFormat, request.Model.Directory);
        var encoder = new PromptEncoder(Llama3Tokenizer.Load(request.Model.Directory), format, request.Model.MaxPositions);
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
        var identity = new CacheIdentity(request.Model.Fingerprint, request.Sae.Fingerprint, request.Layer, request.DType, format.ToString(), request.BatchSize);
        return new PreparedExperiment(request, format, identity, prompts, encoded);
    }

    /// <summary>Computes the prompts the cache lacks (with <paramref name="loaded"/>'s weights when it serves the request), then assembles the result.</summary>
    /// <param name="afterEachStored">called with the running count after each computed prompt is in the cache</param>
    public ExperimentResult Run(PreparedExperiment experiment, IFeatureCache cache, IProgress<PipelineProgress>? progress = null,
        CancellationToken cancellation = default, Action<int>? afterEachStored = null, LoadedModel? loaded = null)
    {
        var request = experiment.Request;
        var (missing, todo) = experiment.Plan(cache);
        SaeReconstructionQuality? quality = null;
        if (todo.Count > 0)
            quality = loaded is not null && loaded.Serves(request)
                ? Compute(experiment, loaded.Model, loaded.Sae, todo, missing, cache, progress, cancellation, afterEachStored)
                : LoadAndCompute(experiment, todo, missing, cache, progress, cancellation, afterEachStored);
        return Assemble(experiment, cache, missing.Count, quality, progress);
    }

    /// <summary>
    /// The result of an experiment whose every prompt is already in the cache, without a model: a run reopened under its
    /// own identity. Refuses, computing nothing, when any prompt is missing.
    /// </summary>
    public static ExperimentResult Open(PreparedExperiment experiment, IFeatureCache cache)
    {
        var missing = experiment.Missing(cache);
        if (missing.Count > 0)
            throw new RefusedException(
                $"{missing.Count} of {experiment.Prompts.Count} prompts are not in the store under this run's keys " +
                $"({experiment.Identity.DType.Name()}, layer {experiment.Identity.Layer}, chat format {experiment.Format}); run the experiment again to compute them.");
        return Assemble(experiment, cache, 0, null, null);
    }

    /// <summary>
    /// A completed run rebuilt from the store under the identity it recorded: <paramref name="request"/> names the run's
    /// model, SAE, layer, dtype, chat format and prompt set (its batch size is the run's); refuses when the prompts no
    /// longer tokenize to the run's keys.
    /// </summary>
    public static ExperimentResult Reopen(string runId, CacheIdentity identity, ExperimentRequest request, IFeatureCache cache)
    {
        var experiment = Prepare(request with { BatchSize = identity.BatchSize ?? request.BatchSize });
        if (experiment.Identity with { BatchSize = identity.BatchSize } != identity)
            throw new RefusedException($"run {runId}'s results cannot be found again: its prompts no longer tokenize as they did (chat format {identity.ChatFormat}).");
        return Open(experiment.KeyedAs(identity), cache);
    }

    private static ExperimentResult Assemble(PreparedExperiment experiment, IFeatureCache cache, int computed, SaeReconstructionQuality? quality, IProgress<PipelineProgress>? progress)
    {
        var (request, prompts) = (experiment.Request, experiment.Prompts);
        var results = new List<PromptResult>(prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            if (!cache.TryGet(experiment.Keys[i], out var cached))
                throw new InvalidOperationException($"prompt '{prompts[i].Id}' is missing from the cache after it was computed");
            var pooled = FeaturePooling.Pool(cached.Features, request.Pooling, cached.UserTokenPositions);
            results.Add(new PromptResult(prompts[i], experiment.Encoded[i], cached, pooled, ActivationPooling.Stored(cached.PooledActivations, request.Pooling)));
        }
        progress?.Report(new PipelineProgress("analyse", 0, 1));
        var pooledPrompts = results.Select(r => new PooledPrompt(r.Prompt.Id, r.Prompt.Condition, r.Prompt.Topic, r.PooledFeatures)).ToList();
        var report = FeatureDiff.Analyze(pooledPrompts, request.Contrasts);
        progress?.Report(new PipelineProgress("analyse", 1, 1));
        return new ExperimentResult(results, experiment.Format, experiment.Identity.ModelFingerprint, experiment.Identity.SaeFingerprint,
            request.Model.HiddenSize, request.Sae.DSae, computed, prompts.Count - computed, report, quality);
    }

    private static SaeReconstructionQuality LoadAndCompute(PreparedExperiment experiment, IReadOnlyList<int> todo, HashSet<int> missing, IFeatureCache cache,
        IProgress<PipelineProgress>? progress, CancellationToken cancellation, Action<int>? afterEachStored)
    {
        var request = experiment.Request;
        var target = ComputeTarget.From(request.Device, request.DType);
        // The SAE first: it is the smaller file, and a broken SAE should stop the run before the model loads.
        progress?.Report(new PipelineProgress("load", 0, 2, "SAE"));
        using var sae = SaeFormats.Load(request.Sae, target.DType, target.Device);
        progress?.Report(new PipelineProgress("load", 1, 2, $"layers 0..{request.Layer}"));
        using var model = LlamaForCausalLM.Load(request.Model.Directory, request.Layer, withHead: false, target.DType, target.Device);
        progress?.Report(new PipelineProgress("load", 2, 2));
        return Compute(experiment, model, sae, todo, missing, cache, progress, cancellation, afterEachStored);
    }

    private static SaeReconstructionQuality Compute(PreparedExperiment experiment, LlamaForCausalLM model, SparseAutoencoder sae, IReadOnlyList<int> todo,
        HashSet<int> missing, IFeatureCache cache, IProgress<PipelineProgress>? progress, CancellationToken cancellation, Action<int>? afterEachStored)
    {
        int layer = experiment.Request.Layer;
        var capture = new ResidualCapture(model);
        var quality = new ReconstructionStatistics(sae.DIn);
        var ids = todo.Select(i => experiment.Encoded[i].Ids).ToList();
        int done = 0, recomputed = 0;
        var differing = new List<string>();
        // todo is whole batches of the full plan in plan order, so planning them again gives the same batches.
        foreach (var captured in capture.Run(ids, [layer], experiment.Request.BatchSize, cancellation))
        {
            int i = todo[captured.Index];
            if (!missing.Contains(i) && cache.TryGet(experiment.Keys[i], out var stored))
            {
                // A cached companion of a missing prompt, computed again only to rebuild its batch: the cache keeps the
                // stored result, and a difference says the device is not deterministic (reported, not hidden).
                using var check = NewDisposeScope();
                var again = sae.EncodeSparse(tensor(captured.ResidPost[layer], [captured.TokenCount, captured.DModel], device: sae.Device));
                recomputed++;
                if (!SameFeatures(stored.Features, again))
                    differing.Add(experiment.Prompts[i].Id);
                continue;
            }
            var resid = captured.ResidPost[layer];
            ThrowIfNotFinite(resid, captured.DModel, $"prompt '{experiment.Prompts[i].Id}': layer {layer}'s activations");
            var userPositions = PromptSegments.UserTokenPositions(experiment.Encoded[i]);
            SparseFeatureMatrix features;
            using (var scope = NewDisposeScope())
            {
                var x = tensor(resid, [captured.TokenCount, captured.DModel], device: sae.Device);
                features = sae.EncodeSparse(x, quality: quality);
            }
            ThrowIfNotFinite(features.Values, 1, $"prompt '{experiment.Prompts[i].Id}': its SAE features");
            var pooledActivations = ActivationPooling.PoolAll(resid, captured.TokenCount, captured.DModel, userPositions);
            cache.Put(experiment.Keys[i], new CachedPrompt(experiment.Encoded[i].Ids, features, userPositions, pooledActivations));
            done++;
            progress?.Report(new PipelineProgress("capture", done, missing.Count));
            afterEachStored?.Invoke(done);
        }
        if (differing.Count > 0)
            progress?.Report(new PipelineProgress("check", differing.Count, recomputed,
                $"warning: {differing.Count} of {recomputed} cached prompts recomputed with their batch came out different " +
                $"({string.Join(", ", differing.Take(3))}): this device does not give bit-identical results run to run"));
        return quality.Result();
    }

    /// <summary>
    /// Stops the run at the first NaN or infinity, naming where: storing it would make every statistic of the run NaN
    /// (finite weights can still overflow, e.g. huge values in bfloat16).
    /// </summary>
    private static void ThrowIfNotFinite(float[] values, int rowLength, string what)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new RefusedException($"{what} hold {values[bad]} (token {bad / rowLength}); the model and SAE give no usable numbers here — check the checkpoint, or run in float32.");
    }

    private static bool SameFeatures(SparseFeatureMatrix a, SparseFeatureMatrix b) =>
        a.TokenCount == b.TokenCount && a.RowStarts.AsSpan().SequenceEqual(b.RowStarts) && a.Indices.AsSpan().SequenceEqual(b.Indices)
        && a.Values.AsSpan().SequenceEqual(b.Values);
}
