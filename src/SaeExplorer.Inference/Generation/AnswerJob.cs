using System.Diagnostics;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Runs.Sources;

namespace SaeExplorer.Inference.Generation;

/// <summary>What to answer with: sources resolved, settings typed. The SAE is needed by interventions; given, it also
/// reads the features of every answer token.</summary>
public sealed record AnswerRequest(
    ModelSource Model,
    SaeSource? Sae,
    int? Layer,
    ComputeDevice Device,
    ComputeDType DType,
    DecodingOptions Decoding,
    IReadOnlyList<FeatureIntervention> Interventions,
    InterventionScope Scope = InterventionScope.All,
    int BatchSize = 8,
    int Gpus = 1);

/// <summary>One prompt's answer, and whether it came from the store.</summary>
public sealed record AnswerResult(PromptIds Prompt, StoredAnswer Answer, bool Reused);

/// <summary>
/// Answers a list of prompts: checked once (decoding, interventions against the SAE, every prompt against the
/// context), keyed (<see cref="AnswerSettings.Key"/>), and computed only where the store has no answer. Each batch's
/// answers are stored as soon as it finishes, so a run killed at any moment resumes with the missing prompts only.
/// </summary>
public sealed class AnswerJob
{
    private readonly string[] _keys;

    private readonly IReadOnlySet<int> _stopIds;

    private AnswerJob(AnswerRequest request, IReadOnlyList<PromptIds> prompts, AnswerSettings settings, IReadOnlySet<int> stopIds)
    {
        _stopIds = stopIds;
        Request = request;
        Prompts = prompts;
        Settings = settings;
        _keys = prompts.Select(p => settings.Key(p.Ids)).ToArray();
    }

    public AnswerRequest Request { get; }
    public IReadOnlyList<PromptIds> Prompts { get; }
    public AnswerSettings Settings { get; }

    public static AnswerJob Prepare(AnswerRequest request, IReadOnlyList<PromptIds> prompts)
    {
        request.Decoding.Validated();
        if (request.BatchSize < 1)
            throw new SettingsException(SettingsField.Decoding, $"--batch-size must be at least 1, not {request.BatchSize}.");
        if (request.Interventions.Count > 0 && request.Sae is null)
            throw new SettingsException(SettingsField.Sae, "--add, --clamp and --ablate change SAE features: give the SAE with --sae (and --layer).");
        if (request.Sae is { } sae)
        {
            if (request.Layer is null)
                throw new SettingsException(SettingsField.Layer, $"{sae.Path}: say which layer's output the SAE reads with --layer.");
            FeatureIntervention.Check(request.Interventions, sae.DSae);
        }
        var duplicate = prompts.GroupBy(p => p.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"prompt id '{duplicate.Key}' appears {duplicate.Count()} times; answers are matched to prompts by id.");
        foreach (var p in prompts)
        {
            if (p.Ids.Length + request.Decoding.MaxNewTokens > request.Model.MaxPositions)
                throw new ArgumentException($"prompt '{p.Id}' has {p.Ids.Length} tokens; with --max-new-tokens {request.Decoding.MaxNewTokens} it does not fit the model's context of {request.Model.MaxPositions}. Lower --max-new-tokens or shorten the prompt.");
        }
        var settings = new AnswerSettings(request.Model.Fingerprint, request.Sae?.Fingerprint, request.Sae is null ? null : request.Layer,
            request.DType.Name(), request.Decoding, request.Interventions, request.Scope);
        return new AnswerJob(request, prompts, settings, StopTokens.Load(request.Model.Directory));
    }

    /// <summary>The indices of the prompts the store has no answer for (all of them without a store).</summary>
    public IReadOnlyList<int> Missing(IAnswerStore? store) =>
        [.. Enumerable.Range(0, Prompts.Count).Where(i => store is null || !store.ContainsAnswer(_keys[i]))];

    /// <summary>
    /// Every prompt's answer, in input order: stored ones read back, the rest generated in batches of similar lengths
    /// (the model and SAE load only when something is missing).
    /// </summary>
    public IReadOnlyList<AnswerResult> Run(IAnswerStore? store, IProgress<PipelineProgress>? progress = null, CancellationToken cancellation = default)
    {
        var answers = new StoredAnswer?[Prompts.Count];
        var reused = new bool[Prompts.Count];
        for (int i = 0; i < Prompts.Count; i++)
        {
            if (store is not null && store.TryGetAnswer(_keys[i], out var stored))
            {
                answers[i] = stored;
                reused[i] = true;
            }
        }
        var todo = Enumerable.Range(0, Prompts.Count).Where(i => answers[i] is null).ToList();
        if (todo.Count > 0)
            Generate(todo, answers, store, progress, cancellation);
        return [.. Enumerable.Range(0, Prompts.Count).Select(i => new AnswerResult(Prompts[i], answers[i]!, reused[i]))];
    }

    private void Generate(List<int> todo, StoredAnswer?[] answers, IAnswerStore? store, IProgress<PipelineProgress>? progress, CancellationToken cancellation)
    {
        var target = ComputeTarget.From(Request.Device, Request.DType);
        var devices = ComputeTarget.Devices(target.Device, Request.Gpus);
        progress?.Report(new PipelineProgress("load", 0, 2, Request.Sae is null ? "model" : "SAE"));
        using var sae = Request.Sae is null ? null : SaeFormats.Load(Request.Sae, target.DType, LlamaForCausalLM.LayerPlacement(Request.Model.LayerCount, devices)[Request.Layer!.Value]);
        progress?.Report(new PipelineProgress("load", 1, 2, $"{Request.Model.LayerCount} layers and the head"));
        using var model = LlamaForCausalLM.Load(Request.Model.Directory, Request.Model.LayerCount - 1, withHead: true, target.DType, devices);
        progress?.Report(new PipelineProgress("load", 2, 2));
        var plan = sae is null
            ? GenerationPlan.Plain
            : new GenerationPlan(new SaeAtLayer(sae, Request.Layer!.Value), Request.Interventions, Request.Scope, Features: true);

        // Longest first, so prompts of similar lengths share a batch and the prefill pads little.
        var order = todo.OrderByDescending(i => Prompts[i].Ids.Length).ToList();
        int done = 0;
        progress?.Report(new PipelineProgress("generate", 0, order.Count));
        foreach (var batch in order.Chunk(Request.BatchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var generated = AnswerGenerator.Generate(model, batch.Select(i => Prompts[i].Ids).ToArray(), Request.Decoding, _stopIds, plan, cancellation: cancellation);
            double seconds = clock.Elapsed.TotalSeconds;
            for (int b = 0; b < batch.Length; b++)
            {
                int i = batch[b];
                var g = generated[b];
                var answer = new StoredAnswer(Prompts[i].Ids, g.NewIds, g.FinishReason == FinishReason.Eos ? FinishReasons.Eos : FinishReasons.Length, seconds, g.Features);
                store?.PutAnswer(_keys[i], answer);
                answers[i] = answer;
            }
            done += batch.Length;
            progress?.Report(new PipelineProgress("generate", done, order.Count, $"{generated.Sum(g => g.NewIds.Length)} tokens in {seconds:F1}s"));
        }
    }
}
