using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Saes;

namespace SaeExplorer.Inference.Live;

/// <summary>
/// The in-process model service of a long-running host: one model + SAE loaded per process, every tensor operation
/// queued on one <see cref="InferenceWorker"/>. Thread-safe; all methods return plain data.
/// </summary>
public sealed class LiveModelService : IDisposable
{
    private readonly InferenceWorker _worker;
    private readonly bool _ownsWorker;
    private LiveModel? _model;
    private volatile ModelInfo? _info;

    public LiveModelService(InferenceWorker? worker = null)
    {
        _ownsWorker = worker is null;
        _worker = worker ?? new InferenceWorker();
    }

    /// <summary>The loaded model, or null before the first successful <see cref="LoadAsync"/>.</summary>
    public ModelInfo? Current => _info;

    /// <summary>Requests queued or running on the worker.</summary>
    public int PendingRequests => _worker.Pending;

    /// <summary>Live tensors after the worker's last request: stays constant unless something leaks.</summary>
    public long LiveTensors => _worker.LiveTensorsAfterLastRequest;

    /// <summary>Raised (on the worker thread) after a model was loaded.</summary>
    public event Action<ModelInfo>? ModelChanged;

    /// <summary>Loads <paramref name="spec"/>, replacing the current model only once the new one is in memory.</summary>
    public async Task<ModelInfo> LoadAsync(ModelSpec spec, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        var info = await _worker.RunAsync(ct =>
        {
            var loaded = LiveModel.Load(spec, progress, ct);
            _model?.Dispose();
            _model = loaded;
            _info = loaded.Info;
            return loaded.Info;
        }, cancellation).ConfigureAwait(false);
        ModelChanged?.Invoke(info);
        return info;
    }

    public Task<PromptFeatures> AnalyzeAsync(PromptInput input, CancellationToken cancellation = default) =>
        _worker.RunAsync(ct => Require().Analyze(input, ct), cancellation, interactive: true);

    /// <summary>The tokens each feature's decoder direction promotes and suppresses through the unembedding.</summary>
    public Task<IReadOnlyList<PromotedTokensResult>> PromotedTokensAsync(IReadOnlyList<int> features, int top = 10, CancellationToken cancellation = default) =>
        _worker.RunAsync(_ => Require().PromotedTokens(features, top), cancellation, interactive: true);

    /// <summary>The latents whose decoder directions are nearest a latent's by cosine.</summary>
    public Task<IReadOnlyList<DecoderNeighbour>> DecoderNeighboursAsync(int feature, int top = 10, CancellationToken cancellation = default) =>
        _worker.RunAsync(_ => Require().DecoderNeighbours(feature, top), cancellation, interactive: true);

    /// <summary>
    /// Generates the answer to one prompt a decoding step per worker request, so live prompts of other sessions run
    /// between the steps of a long answer instead of waiting for it. The listener hears tokens and features on the
    /// worker thread. Loading another model cancels the answers in progress (their next step refuses).
    /// </summary>
    public async Task<LiveAnswer> GenerateAsync(LiveGeneration request, IGenerationListener listener, CancellationToken cancellation = default)
    {
        var (session, promptIds, owner) = await _worker.RunAsync(_ =>
        {
            var model = Require();
            var (s, ids) = model.StartGeneration(request, listener);
            return (s, ids, model);
        }, cancellation).ConfigureAwait(false);
        try
        {
            while (await _worker.RunAsync(ct =>
            {
                if (!ReferenceEquals(_model, owner))
                    throw new RefusedException("another model was loaded while this answer was being generated; generate it again.");
                return session.Step(ct);
            }, cancellation).ConfigureAwait(false))
            {
            }
            var answer = await _worker.RunAsync(_ => session.Results()[0], cancellation).ConfigureAwait(false);
            var tokenizer = owner.Tokenizer;
            return new LiveAnswer(promptIds, answer.NewIds, [.. answer.NewIds.Select(id => tokenizer.Decode([id]))], answer.FinishReason, answer.Features!);
        }
        finally
        {
            // The cache lives on the worker's device: free it there, also when cancelled.
            await _worker.RunAsync(_ => session.Dispose(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Answers a batch of prompts together, a decoding step per worker request (live prompts and other answers run
    /// between the steps). The listener hears each token on the worker thread.
    /// </summary>
    public async Task<IReadOnlyList<Completion>> CompleteAsync(IReadOnlyList<CompletionPrompt> prompts, DecodingOptions decoding,
        IReadOnlyList<FeatureIntervention> interventions, InterventionScope scope, IGenerationListener? listener, CancellationToken cancellation = default)
    {
        var (session, owner) = await _worker.RunAsync(_ =>
        {
            var model = Require();
            return (model.StartCompletions(prompts, decoding, interventions, scope, listener), model);
        }, cancellation).ConfigureAwait(false);
        try
        {
            while (await _worker.RunAsync(ct =>
            {
                if (!ReferenceEquals(_model, owner))
                    throw new RefusedException("another model was loaded while these answers were being generated; ask again.");
                return session.Step(ct);
            }, cancellation).ConfigureAwait(false))
            {
            }
            var answers = await _worker.RunAsync(_ => session.Results(), cancellation).ConfigureAwait(false);
            var stop = owner.StopIds;
            return [.. answers.Select((a, i) => new Completion(prompts[i].Ids.Length, a.NewIds, a.FinishReason,
                owner.Tokenizer.Decode(a.FinishReason == FinishReason.Eos && a.NewIds.Length > 0 && stop.Contains(a.NewIds[^1]) ? a.NewIds[..^1] : a.NewIds)))];
        }
        finally
        {
            await _worker.RunAsync(_ => session.Dispose(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Chat messages as the loaded model's token ids (no tensors: runs on the caller's thread).</summary>
    /// <exception cref="Tokenization.InvalidPromptException">a role the chat format lacks, or too many tokens</exception>
    public int[] EncodeChat(IReadOnlyList<Core.Prompts.ChatMessage> messages) => (Volatile.Read(ref _model) ?? throw NotLoaded()).EncodeChat(messages);

    /// <summary>The loaded tokenizer's bytes per token id, for streaming text piece by piece (special tokens null).</summary>
    public IReadOnlyList<byte[]?> TokenBytes => (Volatile.Read(ref _model) ?? throw NotLoaded()).Tokenizer.TokenBytes;

    /// <summary>The loaded model's stop token ids (no tensors: runs on the caller's thread).</summary>
    public IReadOnlySet<int> StopIds => (Volatile.Read(ref _model) ?? throw NotLoaded()).StopIds;

    /// <summary>
    /// Token ids as they read on a page: a character split over several byte-level tokens once, on its first token, and
    /// each partial token's bytes (<see cref="Core.Prompts.TokenPieces"/>; no tensors: runs on the caller's thread).
    /// </summary>
    public TokenPiece[] TokenPieces(IReadOnlyList<int> ids)
    {
        var tokenizer = Volatile.Read(ref _model)?.Tokenizer ?? throw NotLoaded();
        var bytes = tokenizer.TokenBytes;
        return Core.Prompts.TokenPieces.Of([.. ids.Select(id => bytes[id])], p => tokenizer.Decode([ids[p]]));
    }

    /// <summary>Decodes token ids one by one (no tensors: runs on the caller's thread).</summary>
    public IReadOnlyList<string> TokenTexts(IEnumerable<int> ids)
    {
        var tokenizer = Volatile.Read(ref _model)?.Tokenizer ?? throw NotLoaded();
        return ids.Select(id => tokenizer.Decode([id])).ToList();
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the worker with the loaded model and SAE (null before one is loaded), so an
    /// experiment reuses their weights rather than loading them a second time (for the 70B model that is the
    /// difference between fitting and not).
    /// </summary>
    public Task<T> RunWithLoadedAsync<T>(Func<LoadedModel?, CancellationToken, T> work, CancellationToken cancellation = default) =>
        _worker.RunAsync(ct => work(_model?.Loaded, ct), cancellation);

    /// <summary>
    /// For a long request given to <see cref="RunWithLoadedAsync{T}"/> (an experiment) to call between prompts: Live
    /// analyses and promoted-token look-ups queued meanwhile run now, on the worker, instead of after the whole run.
    /// </summary>
    public void LetInteractiveIn() => _worker.RunInteractiveNow();

    private LiveModel Require() => _model ?? throw NotLoaded();

    private static RefusedException NotLoaded() => new("no model is loaded yet; choose one in Settings (or wait for the demo model to finish loading).");

    public void Dispose()
    {
        _worker.RunAsync(_ =>
        {
            _model?.Dispose();
            _model = null;
        }).Wait();
        if (_ownsWorker)
            _worker.Dispose();
    }
}
