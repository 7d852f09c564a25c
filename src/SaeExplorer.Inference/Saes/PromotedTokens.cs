using SaeExplorer.Core.Analysis;
using SaeExplorer.Inference.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes;

/// <summary>A token and the logit a feature's decoder direction adds to it through the unembedding.</summary>
public sealed record TokenLogit(int TokenId, float Logit);

/// <summary>
/// The tokens a latent's decoder direction pushes up and down when read out by <c>lm_head</c>, and how the logits of the
/// whole vocabulary spread (<see cref="Counts"/>[i] tokens in bin i of <see cref="Bins"/>): the extremes alone do not
/// say whether a few tokens stand out or the whole tail moves.
/// </summary>
public sealed record PromotedTokensResult(int Feature, IReadOnlyList<TokenLogit> Promoted, IReadOnlyList<TokenLogit> Suppressed, HistogramBins? Bins, int[] Counts);

/// <summary>
/// Direct logit attribution of SAE latents: decoder row <c>W_dec[f]</c> [d] times the unembedding <c>lm_head.weight</c>
/// [vocab, d] gives the logit change per unit of activation, ignoring the layers between (the usual first look at what
/// a latent "says"). Needs the checkpoint's lm_head (or tied embeddings); only that one tensor is read.
/// </summary>
public static class PromotedTokens
{
    /// <summary>Bins of the vocabulary-wide logit histogram.</summary>
    public const int HistogramBinCount = 60;

    public static IReadOnlyList<PromotedTokensResult> Compute(SparseAutoencoder sae, string modelDirectory, IEnumerable<int> features, int top = 10)
    {
        var list = features.ToList();
        // Checked here: torch's index_select would fail with "index out of range in self" and no feature number.
        foreach (var f in list)
        {
            if (f < 0 || f >= sae.DSae)
                throw new ArgumentException($"feature {f} is outside this SAE's latents, numbered 0 to {sae.DSae - 1}.", nameof(features));
        }
        var config = Models.Llama.LlamaConfig.Load(Path.Combine(modelDirectory, "config.json"));
        using var dir = ModelDirectory.Open(modelDirectory);
        string name = dir.Contains("lm_head.weight") ? "lm_head.weight"
            : config.TieWordEmbeddings ? "model.embed_tokens.weight"
            : throw new CheckpointException(modelDirectory, "lm_head.weight", "not in the checkpoint (and embeddings are not tied); promoted tokens need the unembedding.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var unembed = dir.ReadTensor(name, [config.VocabSize, config.HiddenSize]).to(ScalarType.Float32, sae.Device);
        var index = tensor(list.Select(f => (long)f).ToArray(), device: sae.Device);
        var directions = sae.DecoderWeight.index_select(0, index).to_type(ScalarType.Float32);
        var logits = directions.matmul(unembed.t());
        var (upValues, upIds) = logits.topk(top, dim: 1);
        var (downValues, downIds) = logits.topk(top, dim: 1, largest: false);
        var results = new List<PromotedTokensResult>(list.Count);
        var uv = upValues.cpu().data<float>().ToArray();
        var ui = upIds.cpu().data<long>().ToArray();
        var dv = downValues.cpu().data<float>().ToArray();
        var di = downIds.cpu().data<long>().ToArray();
        for (int r = 0; r < list.Count; r++)
        {
            // One vocabulary of logits (128k floats for Llama 3) comes to the host, so the bins are Core's, the same
            // rule as every other histogram of the dashboard.
            var row = logits[r].cpu().data<float>().ToArray();
            var bins = HistogramBins.Spanning(row.Select(v => (double)v), HistogramBinCount);
            var counts = new int[bins?.Count ?? 0];
            if (bins is not null)
            {
                foreach (var v in row)
                {
                    if (bins.IndexOf(v) is var i and >= 0)
                        counts[i]++;
                }
            }
            results.Add(new PromotedTokensResult(list[r],
                Enumerable.Range(r * top, top).Select(k => new TokenLogit((int)ui[k], uv[k])).ToList(),
                Enumerable.Range(r * top, top).Select(k => new TokenLogit((int)di[k], dv[k])).ToList(),
                bins, counts));
        }
        return results;
    }
}
