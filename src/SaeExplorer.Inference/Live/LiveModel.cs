using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Runs.Sources;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Live;

/// <summary>
/// What the dashboard runs: a resolved model and SAE, the layer the SAE reads (checked against both), where and in what
/// dtype. With <paramref name="Generation"/> every layer and the head are loaded so the model can answer; without, only
/// layers 0..Layer (a 70B model read at layer 50 then fits one 141 GB card).
/// </summary>
public sealed record ModelSpec(ModelSource Model, SaeSource Sae, int Layer, ComputeDevice Device, ComputeDType DType, bool IsDemo = false, bool Generation = true)
{
    /// <summary>Resolves the paths and checks the layer, model and SAE against each other (<see cref="LayerCheck"/>).</summary>
    public static ModelSpec Resolve(string modelDirectory, string saePath, int layer, ComputeDevice device = default, ComputeDType dtype = ComputeDType.Float32,
        bool forceLayer = false, bool isDemo = false)
    {
        var model = SourceResolver.Model(modelDirectory);
        var sae = SourceResolver.Sae(saePath, layer);
        LayerCheck.Ensure(model, sae, layer, forceLayer: forceLayer);
        return new ModelSpec(model, sae, layer, device, dtype, isDemo);
    }
}

/// <summary>A prompt to answer in the dashboard, how to decode, and the interventions at the SAE's layer.</summary>
public sealed record LiveGeneration(PromptInput Input, DecodingOptions Decoding, IReadOnlyList<FeatureIntervention> Interventions, InterventionScope Scope = InterventionScope.All);

/// <summary>
/// A prompt for the OpenAI-compatible server: its token ids (<see cref="LiveModelService.EncodeChat"/>) and an
/// optional rule on the answer's tokens, made on the worker from the tokenizer's per-token bytes and the stop ids.
/// </summary>
public sealed record CompletionPrompt(int[] Ids, Func<IReadOnlyList<byte[]?>, IReadOnlySet<int>, ITokenConstraint>? Constraint = null);

/// <summary>A finished completion: the answer's ids (stop token included when one ended it), how it ended, its text without the stop token.</summary>
public sealed record Completion(int PromptTokens, int[] NewIds, FinishReason FinishReason, string Text);

/// <summary>A finished live answer: the prompt's ids, the answer's ids and texts, how it ended, its per-token features.</summary>
public sealed record LiveAnswer(int[] PromptIds, int[] NewIds, string[] Tokens, FinishReason FinishReason, SparseFeatureMatrix Features);

/// <summary>Plain facts about the loaded model and SAE, for pages and cache keys.</summary>
public sealed record ModelInfo(
    ModelSpec Spec,
    int DModel,
    int LayerCount,
    int DSae,
    string SaeArchitecture,
    string DefaultChatFormat,
    int MaxTokens,
    string ModelFingerprint,
    string SaeFingerprint);

/// <summary>A prompt typed into the dashboard: one user message (optionally after a system message), or raw text with chat format "none".</summary>
public sealed record PromptInput(string Text, string ChatFormat = "auto", string? SystemPrompt = null);

/// <summary>
/// One prompt through the model and SAE, as plain data: the rendered text, every token (id, text, whether it is part of
/// the user's message) and the token × feature activations.
/// </summary>
public sealed record PromptFeatures(
    string RenderedText,
    string ChatFormat,
    int[] TokenIds,
    string[] Tokens,
    int[] UserTokenPositions,
    SparseFeatureMatrix Features)
{
    public bool IsUserToken(int position) => Array.BinarySearch(UserTokenPositions, position) >= 0;

    /// <summary>Features pooled over the prompt's tokens (user tokens for <see cref="PoolingMethod.User"/>).</summary>
    public SparseVector Pool(PoolingMethod pooling) => FeaturePooling.Pool(Features, pooling, UserTokenPositions);

    /// <summary>The activation of one feature at every token (zero where it is off).</summary>
    public float[] FeatureAtTokens(int feature)
    {
        var values = new float[Features.TokenCount];
        for (int t = 0; t < values.Length; t++)
        {
            var row = Features.RowIndices(t);
            int at = row.BinarySearch(feature);
            if (at >= 0)
                values[t] = Features.RowValues(t)[at];
        }
        return values;
    }
}

/// <summary>
/// A model (layers 0..layer) and its SAE in memory, used only on the <see cref="InferenceWorker"/> thread. Results leave
/// as plain data (<see cref="PromptFeatures"/>); no tensor escapes.
/// </summary>
internal sealed class LiveModel : IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly SparseAutoencoder _sae;
    private readonly ResidualCapture _capture;

    private readonly ChatFormat _defaultFormat;
    private readonly Lazy<IReadOnlySet<int>> _stopIds;

    private LiveModel(ModelSpec spec, LlamaForCausalLM model, SparseAutoencoder sae, Llama3Tokenizer tokenizer, ChatFormat defaultFormat, ModelInfo info)
    {
        Spec = spec;
        _defaultFormat = defaultFormat;
        _model = model;
        _sae = sae;
        _capture = new ResidualCapture(model);
        _stopIds = new Lazy<IReadOnlySet<int>>(() => StopTokens.Load(spec.Model.Directory));
        Tokenizer = tokenizer;
        Info = info;
    }

    public ModelSpec Spec { get; }
    public ModelInfo Info { get; }
    public Llama3Tokenizer Tokenizer { get; }
    public LoadedModel Loaded => new(_model, _sae, Spec.Model, Spec.Sae);

    public static LiveModel Load(ModelSpec spec, IProgress<string>? progress, CancellationToken cancellation)
    {
        var target = ComputeTarget.From(spec.Device, spec.DType);
        var directory = spec.Model.Directory;
        progress?.Report("reading the tokenizer");
        var tokenizer = Llama3Tokenizer.Load(directory);
        var format = ChatFormats.FromModelDirectory(directory);
        cancellation.ThrowIfCancellationRequested();
        progress?.Report("fingerprinting model and SAE");
        var (modelFingerprint, saeFingerprint) = (spec.Model.Fingerprint, spec.Sae.Fingerprint);
        cancellation.ThrowIfCancellationRequested();
        progress?.Report("loading the SAE");
        var sae = SaeFormats.Load(spec.Sae, target.DType, target.Device);
        try
        {
            progress?.Report(spec.Generation ? $"loading all {spec.Model.LayerCount} decoder layers and the head" : $"loading decoder layers 0..{spec.Layer}");
            var model = LlamaForCausalLM.Load(directory, spec.Layer, withHead: spec.Generation, target.DType, target.Device);
            var info = new ModelInfo(spec, spec.Model.HiddenSize, spec.Model.LayerCount, sae.DSae, sae.Config.Architecture,
                ChatFormats.DisplayName(format), spec.Model.MaxPositions, modelFingerprint, saeFingerprint);
            return new LiveModel(spec, model, sae, tokenizer, format, info);
        }
        catch
        {
            sae.Dispose();
            throw;
        }
    }

    public PromptFeatures Analyze(PromptInput input, CancellationToken cancellation)
    {
        var (encoded, format) = Encode(input);
        cancellation.ThrowIfCancellationRequested();
        _capture.Validate([encoded.Ids], [Spec.Layer]);
        var features = EncodeAtLayer(encoded.Ids);
        var tokens = encoded.Ids.Select(id => Tokenizer.Decode([id])).ToArray();
        return new PromptFeatures(encoded.Text, ChatFormats.DisplayName(format), encoded.Ids, tokens, PromptSegments.UserTokenPositions(encoded), features);
    }

    private (EncodedPrompt Encoded, ChatFormat Format) Encode(PromptInput input)
    {
        // "auto" is the template read from tokenizer_config.json at load, not re-read for every prompt.
        var format = ChatFormats.Parse(input.ChatFormat) ?? _defaultFormat;
        var encoder = new PromptEncoder(Tokenizer, format, Info.MaxTokens);
        var messages = new List<ChatMessage>();
        if (!string.IsNullOrWhiteSpace(input.SystemPrompt) && format != ChatFormat.None)
            messages.Add(new ChatMessage("system", input.SystemPrompt));
        messages.Add(new ChatMessage("user", input.Text ?? ""));
        return (encoder.Encode(messages), format);
    }

    /// <summary>
    /// A generation of the answer to <paramref name="request"/>'s prompt, not started: the SAE reads every answer token
    /// and the interventions apply at its layer. Stepped by <see cref="LiveModelService.GenerateAsync"/>.
    /// </summary>
    public (GenerationSession Session, int[] PromptIds) StartGeneration(LiveGeneration request, IGenerationListener listener)
    {
        if (!_model.HasHead)
            throw new RefusedException("this model was loaded for features only (generation off in the settings): turn generation on to have it answer.");
        var (encoded, _) = Encode(request.Input);
        var plan = new GenerationPlan(new SaeAtLayer(_sae, Spec.Layer), request.Interventions, request.Scope, Features: true);
        return (new GenerationSession(_model, [encoded.Ids], request.Decoding, _stopIds.Value, plan, listener), encoded.Ids);
    }

    /// <summary>
    /// One batch of completions (no answer features: the server does not return them). The SAE is there for the
    /// interventions, which apply to every prompt of the batch.
    /// </summary>
    public GenerationSession StartCompletions(IReadOnlyList<CompletionPrompt> prompts, DecodingOptions decoding, IReadOnlyList<FeatureIntervention> interventions,
        InterventionScope scope, IGenerationListener? listener)
    {
        if (!_model.HasHead)
            throw new RefusedException("this model was loaded for features only (generation off in the settings): turn generation on to have it answer.");
        var constraints = prompts.Select(p => p.Constraint?.Invoke(Tokenizer.TokenBytes, _stopIds.Value)).ToList();
        var plan = new GenerationPlan(new SaeAtLayer(_sae, Spec.Layer), interventions, scope, Features: false, constraints);
        return new GenerationSession(_model, [.. prompts.Select(p => p.Ids)], decoding, _stopIds.Value, plan, listener);
    }

    /// <summary>Chat messages as token ids in the model's own chat format, checked against its context.</summary>
    public int[] EncodeChat(IReadOnlyList<ChatMessage> messages) =>
        new PromptEncoder(Tokenizer, _defaultFormat, Info.MaxTokens).Encode(messages).Ids;

    public IReadOnlySet<int> StopIds => _stopIds.Value;

    /// <summary>
    /// The SAE's features of one prompt, encoded by a sink at <c>blocks.{layer}.hook_resid_post</c> where the residual
    /// is made: only the sparse features cross to the host.
    /// </summary>
    private SparseFeatureMatrix EncodeAtLayer(int[] ids)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var batch = PackedBatch.Create([ids], _model.Device);
        SparseFeatureMatrix? features = null;
        using (_model.Hooks.ResidPost(Spec.Layer).Attach((resid, _) =>
        {
            // Through float32, as the capture to the host went, so the SAE casts the same values to its dtype.
            features = _sae.EncodeSparse(resid.to(ScalarType.Float32, _sae.Device));
            return null;
        }))
        {
            _model.Model.Forward(batch, Spec.Layer, applyFinalNorm: false);
        }
        // The pass runs up to the SAE's layer, so the sink has run.
        return features!;
    }

    public IReadOnlyList<PromotedTokensResult> PromotedTokens(IReadOnlyList<int> features, int top) =>
        Saes.PromotedTokens.Compute(_sae, Spec.Model.Directory, features, top);

    public IReadOnlyList<DecoderNeighbour> DecoderNeighbours(int feature, int top) => Saes.DecoderNeighbours.Compute(_sae, feature, top);

    public void Dispose()
    {
        _model.Dispose();
        _sae.Dispose();
    }
}
