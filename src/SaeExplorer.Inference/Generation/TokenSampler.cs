using SaeExplorer.Runs.Generation;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Generation;

/// <summary>
/// Chooses each sequence's next token from its logits on the device, as transformers' logits processors do: the
/// repetition penalty, then (when sampling) temperature, top-k and top-p, then the draw. The draw uses one uniform
/// number per sequence and step from that sequence's own stream (<see cref="SequenceRandom"/>), so the same prompt
/// with the same seed gives the same answer in any batch.
/// </summary>
internal sealed class TokenSampler(DecodingOptions options)
{
    /// <param name="logits">[rows, vocab] float32, changed in place by the repetition penalty</param>
    /// <param name="seen">[rows, vocab] bool, the tokens each row's sequence holds (null when there is no penalty)</param>
    /// <param name="uniforms">one number in (0, 1] per row (ignored when greedy)</param>
    /// <returns>[rows] int64 token ids</returns>
    public Tensor Choose(Tensor logits, Tensor? seen, double[] uniforms)
    {
        using var scope = NewDisposeScope();
        var scores = logits;
        if (seen is not null)
        {
            // transformers' RepetitionPenaltyLogitsProcessor: a seen token's positive score is divided, a negative one multiplied.
            var penalty = options.RepetitionPenalty;
            scores = where(seen, where(scores < 0, scores * penalty, scores / penalty), scores);
        }
        if (options.Greedy)
            return scores.argmax(-1).MoveToOuterDisposeScope();

        scores = scores / options.Temperature;
        long vocab = scores.shape[1];
        if (options.TopK > 0 && options.TopK < vocab)
        {
            var kth = scores.topk(options.TopK, -1).values.narrow(1, options.TopK - 1, 1);
            scores = scores.masked_fill(scores < kth, double.NegativeInfinity);
        }
        if (options.TopP < 1)
        {
            // Ascending sort: drop the low tail whose probabilities add up to at most 1 − top_p, always keeping the top token.
            var (sorted, order) = scores.sort(-1, descending: false);
            var cumulative = sorted.softmax(-1).cumsum(-1);
            var drop = cumulative <= 1 - options.TopP;
            drop.narrow(1, vocab - 1, 1).fill_(false);
            scores = scores.masked_fill(zeros_like(drop).scatter_(1, order, drop), double.NegativeInfinity);
        }
        var cdf = scores.softmax(-1).cumsum(-1);
        var u = tensor(uniforms, ScalarType.Float64, cdf.device).to_type(cdf.dtype).unsqueeze(1);
        // The first token whose cumulative probability reaches u · total (u > 0, so never a token of probability 0).
        var chosen = (cdf < u * cdf.narrow(1, vocab - 1, 1)).sum(-1).clamp_max(vocab - 1);
        return chosen.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// A sequence's own random numbers: SplitMix64 seeded by the run's seed and the prompt's token ids, so the numbers
/// depend on what is generated, not on the batch around it or the order prompts come in.
/// </summary>
internal sealed class SequenceRandom(ulong seed, IReadOnlyList<int> promptIds)
{
    private ulong _state = Mix(seed ^ Hash(promptIds));

    /// <summary>A number in (0, 1] with 53 random bits.</summary>
    public double NextUniform()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return ((Mix(_state) >> 11) + 1) / 9007199254740992.0;
    }

    private static ulong Hash(IReadOnlyList<int> ids)
    {
        ulong h = 14695981039346656037UL;
        foreach (var id in ids)
        {
            h ^= (uint)id;
            h *= 1099511628211UL;
        }
        return h;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
