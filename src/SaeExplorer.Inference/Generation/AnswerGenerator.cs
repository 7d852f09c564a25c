using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Runs.Generation;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Generation;

public enum FinishReason
{
    /// <summary>A stop token was generated (it is the last of the new ids).</summary>
    Eos,
    /// <summary><c>max_new_tokens</c> were generated without a stop token.</summary>
    Length,
}

/// <summary>The SAE that reads layer <paramref name="Layer"/>'s output, for interventions and answer features.</summary>
public sealed record SaeAtLayer(SparseAutoencoder Sae, int Layer);

/// <summary>What a generation does besides decoding.</summary>
/// <param name="Sae">needed by interventions and features</param>
/// <param name="Interventions">applied at the SAE's layer (empty: none)</param>
/// <param name="Scope">where the interventions apply</param>
/// <param name="Features">encode every generated token's residual at the SAE's layer while decoding</param>
/// <param name="Constraints">per prompt, a rule on the tokens its answer may hold (null entries: free)</param>
public sealed record GenerationPlan(SaeAtLayer? Sae = null, IReadOnlyList<FeatureIntervention>? Interventions = null, InterventionScope Scope = InterventionScope.All, bool Features = false,
    IReadOnlyList<ITokenConstraint?>? Constraints = null)
{
    public static GenerationPlan Plain { get; } = new();

    public IReadOnlyList<FeatureIntervention> Changes => Interventions ?? [];
}

/// <summary>One prompt's answer.</summary>
/// <param name="NewIds">the generated ids, the stop token included when one ended the answer</param>
/// <param name="FirstStepTop">the 20 highest logits of the first step (ids, float32 values, descending), before any penalty</param>
/// <param name="Features">the SAE features of each generated token at the plan's layer (row t = NewIds[t]); null unless asked</param>
public sealed record GeneratedAnswer(int[] NewIds, FinishReason FinishReason, (int Id, float Logit)[] FirstStepTop, SparseFeatureMatrix? Features);

/// <summary>Told as decoding goes: a token chosen, or the features of a generated token once its residual exists.</summary>
public interface IGenerationListener
{
    void Token(int prompt, int index, int tokenId);

    /// <summary>The features of token <paramref name="index"/> of prompt <paramref name="prompt"/>'s answer (one step after its <see cref="Token"/>).</summary>
    void Features(int prompt, int index, SparseVector features);
}

/// <summary>
/// Batched decoding with a KV cache: the prompts (of any lengths) run once as a packed batch and fill a preallocated
/// cache; then every step feeds each unfinished sequence's newest token alone. A sequence that ends (a stop id, or
/// <see cref="DecodingOptions.MaxNewTokens"/>) leaves the batch, so it stops costing compute. With features asked
/// for, a finished sequence stays one more step so its last token's residual is read too; the SAE encodes the rows
/// of each step as they pass its layer — no second pass over the answer.
/// </summary>
public static class AnswerGenerator
{
    public const int TopLogits = 20;

    public static IReadOnlyList<GeneratedAnswer> Generate(
        LlamaForCausalLM model,
        IReadOnlyList<int[]> prompts,
        DecodingOptions options,
        IReadOnlySet<int> stopIds,
        GenerationPlan? plan = null,
        IGenerationListener? listener = null,
        CancellationToken cancellation = default)
    {
        if (prompts.Count == 0)
            return [];
        using var session = new GenerationSession(model, prompts, options, stopIds, plan, listener);
        while (session.Step(cancellation))
        {
        }
        return session.Results();
    }
}

/// <summary>
/// One generation, a step at a time, so a host can interleave other work between steps (the dashboard runs live
/// prompts between the decoding steps of a long answer): the first <see cref="Step"/> runs the prompts and fills the
/// cache; each later one decodes one token per unfinished sequence. Hooks are attached only while this session's own
/// forward passes run, so two sessions on one model (a baseline and a steered answer) do not see each other's
/// interventions. Every call must come from the thread that owns the model's tensors.
/// </summary>
public sealed class GenerationSession : IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly IReadOnlyList<int[]> _prompts;
    private readonly DecodingOptions _options;
    private readonly IReadOnlySet<int> _stopIds;
    private readonly GenerationPlan _plan;
    private readonly IGenerationListener? _listener;
    private readonly List<int>[] _newIds;
    private readonly FinishReason?[] _finish;
    private readonly (int, float)[][] _top;
    private readonly SequenceRandom[] _random;
    private readonly FeatureRows?[] _features;
    private readonly TokenSampler _sampler;
    private KvCache? _cache;
    private Tensor? _seen;
    private bool[]? _allowed;
    private bool _started;
    private bool _done;
    private bool _disposed;
    // Cache row r holds sequence _rows[r].
    private int[] _rows = [];

    /// <summary>Checks the request; nothing runs until the first <see cref="Step"/>.</summary>
    public GenerationSession(LlamaForCausalLM model, IReadOnlyList<int[]> prompts, DecodingOptions options, IReadOnlySet<int> stopIds,
        GenerationPlan? plan = null, IGenerationListener? listener = null)
    {
        plan ??= GenerationPlan.Plain;
        options.Validated();
        if (!model.HasHead)
            throw new InvalidOperationException("generation needs the model loaded with its final norm and lm_head");
        if (prompts.Count == 0)
            throw new ArgumentException("there is no prompt to answer", nameof(prompts));
        if ((plan.Changes.Count > 0 || plan.Features) && plan.Sae is null)
            throw new ArgumentException("interventions and answer features need an SAE and its layer", nameof(plan));
        if (plan.Sae is { } atLayer)
            FeatureIntervention.Check(plan.Changes, atLayer.Sae.DSae);
        if (plan.Constraints is { } constraints && constraints.Count != prompts.Count)
            throw new ArgumentException($"{constraints.Count} constraints for {prompts.Count} prompts", nameof(plan));
        int context = model.Config.MaxPositionEmbeddings;
        for (int p = 0; p < prompts.Count; p++)
        {
            if (prompts[p].Length == 0)
                throw new ArgumentException($"prompt {p} has no tokens", nameof(prompts));
            if (prompts[p].Length + options.MaxNewTokens > context)
                throw new ArgumentException($"prompt {p} has {prompts[p].Length} tokens; with {options.MaxNewTokens} new ones it does not fit the model's context of {context}. Lower --max-new-tokens or shorten the prompt.", nameof(prompts));
        }
        _model = model;
        _prompts = prompts;
        _options = options;
        _stopIds = stopIds;
        _plan = plan;
        _listener = listener;
        _newIds = prompts.Select(_ => new List<int>()).ToArray();
        _finish = new FinishReason?[prompts.Count];
        _top = new (int, float)[prompts.Count][];
        _random = prompts.Select(p => new SequenceRandom(options.Seed, p)).ToArray();
        _features = prompts.Select(_ => plan.Features ? new FeatureRows() : null).ToArray();
        _sampler = new TokenSampler(options);
    }

    /// <summary>Runs the next forward pass; false when the generation had already finished.</summary>
    public bool Step(CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellation.ThrowIfCancellationRequested();
        if (_done)
            return false;
        using var noGrad = no_grad();
        if (!_started)
        {
            Prefill();
            _started = true;
            return true;
        }
        // Unfinished sequences decode on; one that just finished stays one step to have its last token read.
        var next = _rows.Select((seq, row) => (seq, row)).Where(x => _finish[x.seq] is null || (_plan.Features && _features[x.seq]!.Count < _newIds[x.seq].Count)).ToArray();
        if (next.Length == 0)
        {
            _done = true;
            Release();
            return false;
        }
        _cache!.Keep(next.Select(x => x.row).ToArray());
        if (_seen is not null)
            KvCache.KeepRows(ref _seen, next.Select(x => x.row).ToArray());
        _rows = next.Select(x => x.seq).ToArray();

        using var scope = NewDisposeScope();
        var tokens = _rows.Select(s => _newIds[s][^1]).ToArray();
        var positions = _rows.Select(s => _prompts[s].Length + _newIds[s].Count - 1).ToArray();
        using var step = PackedBatch.Step(tokens, positions, _model.Device);
        Tensor logits;
        using (Attach(prefill: false))
            logits = _model.LastLogits(step, _cache);
        Choose(logits, _rows);
        return true;
    }

    /// <summary>Every prompt's answer, in input order; only once <see cref="Step"/> has returned false.</summary>
    public IReadOnlyList<GeneratedAnswer> Results()
    {
        if (!_done)
            throw new InvalidOperationException("the generation has not finished: call Step until it returns false");
        return Enumerable.Range(0, _prompts.Count).Select(p => new GeneratedAnswer(
            [.. _newIds[p]], _finish[p]!.Value, _top[p], _features[p]?.ToMatrix(_plan.Sae!.Sae.DSae))).ToArray();
    }

    private void Prefill()
    {
        _cache = _model.Model.CreateCache(_prompts.Count, _prompts.Max(p => p.Length) + _options.MaxNewTokens);
        _rows = Enumerable.Range(0, _prompts.Count).ToArray();
        if (_options.RepetitionPenalty != 1)
            _seen = Seen();
        using var scope = NewDisposeScope();
        using var batch = PackedBatch.Create(_prompts, _model.Device);
        Tensor logits;
        using (Attach(prefill: true))
            logits = _model.LastLogits(batch, _cache);
        var top = logits.topk(AnswerGenerator.TopLogits, -1);
        var ids = top.indexes.cpu().to_type(ScalarType.Int32).data<int>().ToArray();
        var values = top.values.cpu().data<float>().ToArray();
        int k = AnswerGenerator.TopLogits;
        for (int p = 0; p < _prompts.Count; p++)
            _top[p] = Enumerable.Range(0, k).Select(j => (ids[p * k + j], values[p * k + j])).ToArray();
        Choose(logits, _rows);
    }

    /// <summary>Picks the next token of every unfinished row's sequence and records whether it ends there.</summary>
    private void Choose(Tensor logits, int[] rows)
    {
        var uniforms = rows.Select(s => _finish[s] is null && !_options.Greedy ? _random[s].NextUniform() : 1.0).ToArray();
        using var constrained = Constrain(logits, rows);
        var chosenTensor = _sampler.Choose(constrained ?? logits, _seen, uniforms);
        var chosen = chosenTensor.cpu().to_type(ScalarType.Int32).data<int>().ToArray();
        if (_seen is not null)
            _seen.scatter_(1, chosenTensor.unsqueeze(1), tensor(true, device: _seen.device).expand(rows.Length, 1));
        for (int r = 0; r < rows.Length; r++)
        {
            int s = rows[r];
            if (_finish[s] is not null)
                continue;
            _newIds[s].Add(chosen[r]);
            _listener?.Token(s, _newIds[s].Count - 1, chosen[r]);
            if (_plan.Constraints?[s] is { } constraint && !_stopIds.Contains(chosen[r]))
                constraint.Advance(chosen[r]);
            if (_stopIds.Contains(chosen[r]))
                _finish[s] = FinishReason.Eos;
            else if (_newIds[s].Count == _options.MaxNewTokens)
                _finish[s] = FinishReason.Length;
        }
    }

    /// <summary>
    /// The logits with every token a row's constraint forbids at −∞ (null when no row is constrained). A finished
    /// constraint allows the stop tokens only; one that allows nothing (a complete value without stop tokens) falls back
    /// to the stop tokens too, ending the answer rather than sampling from nothing.
    /// </summary>
    private Tensor? Constrain(Tensor logits, int[] rows)
    {
        if (_plan.Constraints is not { } constraints || !rows.Any(s => constraints[s] is not null && _finish[s] is null))
            return null;
        int vocab = (int)logits.shape[1];
        // One buffer per batch size, not per step: a fresh 2 MB array each step (16 rows × 128k tokens) lands on the large
        // object heap and forces a full collection every few steps, and TorchSharp 0.107's operators hand the native
        // side the handle of a temporary Scalar that a collection can finalize mid-call (seen as a corrupt alpha in add).
        if (_allowed?.Length != rows.Length * vocab)
            _allowed = new bool[rows.Length * vocab];
        var allowed = _allowed;
        for (int r = 0; r < rows.Length; r++)
        {
            var span = allowed.AsSpan(r * vocab, vocab);
            if (constraints[rows[r]] is not { } constraint || _finish[rows[r]] is not null)
            {
                span.Fill(true);
                continue;
            }
            span.Clear();
            constraint.Allow(span);
            if (!span.Contains(true))
                foreach (var id in _stopIds)
                    if (id < vocab)
                        span[id] = true;
        }
        using var mask = tensor(allowed, [rows.Length, vocab], device: logits.device);
        return logits.masked_fill(mask.logical_not(), double.NegativeInfinity);
    }

    /// <summary>
    /// The hooks of one forward pass: the interventions (on the prompt only when their scope is every position), then,
    /// on decoding steps, the reader of the answer's features, which sees the residual after the interventions.
    /// </summary>
    private Attachments Attach(bool prefill)
    {
        var attached = new Attachments();
        if (_plan.Changes.Count > 0 && (!prefill || _plan.Scope == InterventionScope.All))
            attached.Add(Steering.Attach(_model, _plan.Sae!.Sae, _plan.Sae.Layer, _plan.Changes));
        if (_plan.Features && !prefill)
            attached.Add(AttachFeatureReader());
        return attached;
    }

    /// <summary>Row r of a step is the newest token of sequence _rows[r]: its features at the SAE's layer.</summary>
    private IDisposable AttachFeatureReader()
    {
        var sae = _plan.Sae!.Sae;
        return _model.Hooks.ResidPost(_plan.Sae.Layer).Attach((x, context) =>
        {
            var matrix = sae.EncodeSparse(x.to(sae.DType, sae.Device));
            for (int r = 0; r < _rows.Length; r++)
            {
                int s = _rows[r];
                var vector = new SparseVector(matrix.FeatureCount, matrix.RowIndices(r).ToArray(), matrix.RowValues(r).ToArray());
                int index = _features[s]!.Count;
                _features[s]!.Add(vector);
                _listener?.Features(s, index, vector);
            }
            return null;
        });
    }

    private Tensor Seen()
    {
        // transformers penalises every id of the sequence, the prompt's included.
        var seen = zeros([_prompts.Count, _model.Config.VocabSize], ScalarType.Bool, _model.Model.OutputDevice);
        for (int p = 0; p < _prompts.Count; p++)
        {
            using var ids = tensor(_prompts[p].Select(i => (long)i).ToArray(), device: seen.device);
            seen[p].index_fill_(0, ids, true);
        }
        return seen.DetachFromDisposeScope();
    }

    private void Release()
    {
        _cache?.Dispose();
        _cache = null;
        _seen?.Dispose();
        _seen = null;
    }

    public void Dispose()
    {
        _disposed = true;
        Release();
    }

    private sealed class Attachments : IDisposable
    {
        private readonly List<IDisposable> _handles = [];

        public void Add(IDisposable handle) => _handles.Add(handle);

        public void Dispose()
        {
            foreach (var handle in _handles)
                handle.Dispose();
        }
    }

    /// <summary>One sequence's answer features, a token at a time.</summary>
    private sealed class FeatureRows
    {
        private readonly List<SparseVector> _rows = [];

        public int Count => _rows.Count;

        public void Add(SparseVector row) => _rows.Add(row);

        public SparseFeatureMatrix ToMatrix(int dSae)
        {
            var starts = new int[_rows.Count + 1];
            for (int t = 0; t < _rows.Count; t++)
                starts[t + 1] = starts[t] + _rows[t].ActiveCount;
            return new SparseFeatureMatrix(_rows.Count, dSae, starts, [.. _rows.SelectMany(r => r.Indices)], [.. _rows.SelectMany(r => r.Values)]);
        }
    }
}
