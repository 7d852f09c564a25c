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
public sealed record GenerationPlan(SaeAtLayer? Sae = null, IReadOnlyList<FeatureIntervention>? Interventions = null, InterventionScope Scope = InterventionScope.All, bool Features = false)
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
        plan ??= GenerationPlan.Plain;
        options.Validated();
        if (!model.HasHead)
            throw new InvalidOperationException("generation needs the model loaded with its final norm and lm_head");
        if (prompts.Count == 0)
            return [];
        if ((plan.Changes.Count > 0 || plan.Features) && plan.Sae is null)
            throw new ArgumentException("interventions and answer features need an SAE and its layer", nameof(plan));
        if (plan.Sae is { } atLayer)
            FeatureIntervention.Check(plan.Changes, atLayer.Sae.DSae);
        int context = model.Config.MaxPositionEmbeddings;
        for (int p = 0; p < prompts.Count; p++)
        {
            if (prompts[p].Length == 0)
                throw new ArgumentException($"prompt {p} has no tokens", nameof(prompts));
            if (prompts[p].Length + options.MaxNewTokens > context)
                throw new ArgumentException($"prompt {p} has {prompts[p].Length} tokens; with {options.MaxNewTokens} new ones it does not fit the model's context of {context}. Lower --max-new-tokens or shorten the prompt.", nameof(prompts));
        }

        using var noGrad = no_grad();
        var run = new Run(model, prompts, options, stopIds, plan, listener);
        try
        {
            return run.Execute(cancellation);
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>The state of one call: the sequences, the cache rows they occupy, and the hooks attached for it.</summary>
    private sealed class Run(LlamaForCausalLM model, IReadOnlyList<int[]> prompts, DecodingOptions options, IReadOnlySet<int> stopIds, GenerationPlan plan, IGenerationListener? listener) : IDisposable
    {
        private readonly List<int>[] _newIds = prompts.Select(_ => new List<int>()).ToArray();
        private readonly FinishReason?[] _finish = new FinishReason?[prompts.Count];
        private readonly (int, float)[][] _top = new (int, float)[prompts.Count][];
        private readonly SequenceRandom[] _random = prompts.Select(p => new SequenceRandom(options.Seed, p)).ToArray();
        private readonly FeatureRows?[] _features = prompts.Select(_ => plan.Features ? new FeatureRows() : null).ToArray();
        private readonly TokenSampler _sampler = new(options);
        private readonly List<IDisposable> _hooks = [];
        private KvCache? _cache;
        private Tensor? _seen;
        // Cache row r holds sequence _rows[r].
        private int[] _rows = [];

        public IReadOnlyList<GeneratedAnswer> Execute(CancellationToken cancellation)
        {
            if (plan.Scope == InterventionScope.All)
                AttachInterventions();
            _cache = model.Model.CreateCache(prompts.Count, prompts.Max(p => p.Length) + options.MaxNewTokens);
            _rows = Enumerable.Range(0, prompts.Count).ToArray();
            if (options.RepetitionPenalty != 1)
                _seen = Seen();

            using (var scope = NewDisposeScope())
            {
                using var batch = PackedBatch.Create(prompts, model.Device);
                var logits = model.LastLogits(batch, _cache);
                var top = logits.topk(TopLogits, -1);
                var ids = top.indexes.cpu().to_type(ScalarType.Int32).data<int>().ToArray();
                var values = top.values.cpu().data<float>().ToArray();
                for (int p = 0; p < prompts.Count; p++)
                    _top[p] = Enumerable.Range(0, TopLogits).Select(k => (ids[p * TopLogits + k], values[p * TopLogits + k])).ToArray();
                Choose(logits, _rows);
            }
            if (plan.Scope == InterventionScope.Generated)
                AttachInterventions();
            if (plan.Features)
                AttachFeatureReader();

            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                // Unfinished sequences decode on; one that just finished stays one step to have its last token read.
                var next = _rows.Select((seq, row) => (seq, row)).Where(x => _finish[x.seq] is null || (plan.Features && _features[x.seq]!.Count < _newIds[x.seq].Count)).ToArray();
                if (next.Length == 0)
                    break;
                _cache.Keep(next.Select(x => x.row).ToArray());
                if (_seen is not null)
                    Keep(ref _seen, next.Select(x => x.row).ToArray());
                _rows = next.Select(x => x.seq).ToArray();

                using var scope = NewDisposeScope();
                var tokens = _rows.Select(s => _newIds[s][^1]).ToArray();
                var positions = _rows.Select(s => prompts[s].Length + _newIds[s].Count - 1).ToArray();
                using var step = PackedBatch.Step(tokens, positions, model.Device);
                var logits = model.LastLogits(step, _cache);
                Choose(logits, _rows);
            }
            return Enumerable.Range(0, prompts.Count).Select(p => new GeneratedAnswer(
                [.. _newIds[p]], _finish[p]!.Value, _top[p], _features[p]?.ToMatrix(plan.Sae!.Sae.DSae))).ToArray();
        }

        /// <summary>Picks the next token of every unfinished row's sequence and records whether it ends there.</summary>
        private void Choose(Tensor logits, int[] rows)
        {
            var uniforms = rows.Select(s => _finish[s] is null && !options.Greedy ? _random[s].NextUniform() : 1.0).ToArray();
            var chosenTensor = _sampler.Choose(logits, _seen, uniforms);
            var chosen = chosenTensor.cpu().to_type(ScalarType.Int32).data<int>().ToArray();
            if (_seen is not null)
                _seen.scatter_(1, chosenTensor.unsqueeze(1), tensor(true, device: _seen.device).expand(rows.Length, 1));
            for (int r = 0; r < rows.Length; r++)
            {
                int s = rows[r];
                if (_finish[s] is not null)
                    continue;
                _newIds[s].Add(chosen[r]);
                listener?.Token(s, _newIds[s].Count - 1, chosen[r]);
                if (stopIds.Contains(chosen[r]))
                    _finish[s] = FinishReason.Eos;
                else if (_newIds[s].Count == options.MaxNewTokens)
                    _finish[s] = FinishReason.Length;
            }
        }

        private void AttachInterventions()
        {
            if (plan.Changes.Count > 0)
                _hooks.Add(Steering.Attach(model, plan.Sae!.Sae, plan.Sae.Layer, plan.Changes));
        }

        /// <summary>
        /// Reads each step's rows at the SAE's layer after the interventions (what flows on): row r is the newest token
        /// of sequence _rows[r]. Attached after the prompts ran, so only generated tokens are read.
        /// </summary>
        private void AttachFeatureReader()
        {
            var sae = plan.Sae!.Sae;
            _hooks.Add(model.Hooks.ResidPost(plan.Sae.Layer).Attach((x, context) =>
            {
                var matrix = sae.EncodeSparse(x.to(sae.DType, sae.Device));
                for (int r = 0; r < _rows.Length; r++)
                {
                    int s = _rows[r];
                    var vector = new SparseVector(matrix.FeatureCount, matrix.RowIndices(r).ToArray(), matrix.RowValues(r).ToArray());
                    int index = _features[s]!.Count;
                    _features[s]!.Add(vector);
                    listener?.Features(s, index, vector);
                }
                return null;
            }));
        }

        private Tensor Seen()
        {
            // transformers penalises every id of the sequence, the prompt's included.
            var seen = zeros([prompts.Count, model.Config.VocabSize], ScalarType.Bool, model.Model.OutputDevice);
            for (int p = 0; p < prompts.Count; p++)
            {
                using var ids = tensor(prompts[p].Select(i => (long)i).ToArray(), device: seen.device);
                seen[p].index_fill_(0, ids, true);
            }
            return seen.DetachFromDisposeScope();
        }

        private static void Keep(ref Tensor t, int[] rows)
        {
            if (rows.Length == t.shape[0] && rows.Select((r, i) => r == i).All(x => x))
                return;
            using var index = tensor(rows.Select(r => (long)r).ToArray(), device: t.device);
            var kept = t.index_select(0, index).DetachFromDisposeScope();
            t.Dispose();
            t = kept;
        }

        public void Dispose()
        {
            foreach (var hook in _hooks)
                hook.Dispose();
            _cache?.Dispose();
            _seen?.Dispose();
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
