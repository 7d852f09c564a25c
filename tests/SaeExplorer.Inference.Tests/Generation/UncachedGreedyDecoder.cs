using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Models.Llama;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Generation;

/// <summary>The new token ids (the stop token included when one ended it) and the first step's logits [vocab].</summary>
public sealed record GeneratedTokens(int[] NewIds, FinishReason FinishReason, float[] FirstStepLogits);

/// <summary>
/// Greedy decoding by running the whole sequence at every step, without a KV cache: the plain definition of what
/// generation must produce, which the cached <see cref="AnswerGenerator"/> is checked against. Interventions attached to
/// the model's hook points apply to whatever positions they choose of the whole sequence.
/// </summary>
public static class UncachedGreedyDecoder
{
    public static GeneratedTokens Generate(LlamaForCausalLM model, int[] promptIds, int maxNewTokens, IReadOnlySet<int> stopIds)
    {
        if (!model.HasHead)
            throw new InvalidOperationException("generation needs the model loaded with its final norm and lm_head");
        if (maxNewTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(maxNewTokens), maxNewTokens, "max_new_tokens must be at least 1.");
        if (promptIds.Length == 0 || promptIds.Length + maxNewTokens > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"a prompt of {promptIds.Length} tokens plus {maxNewTokens} new ones does not fit the model's context of {model.Config.MaxPositionEmbeddings}.", nameof(promptIds));
        var ids = new List<int>(promptIds);
        float[]? first = null;
        using var noGrad = no_grad();
        for (int step = 0; step < maxNewTokens; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = PackedBatch.Create([ids.ToArray()], model.Device);
            var last = model.LastLogits(batch)[0];
            first ??= last.cpu().data<float>().ToArray();
            int next = (int)last.argmax().item<long>();
            ids.Add(next);
            if (stopIds.Contains(next))
                return new GeneratedTokens([.. ids.Skip(promptIds.Length)], FinishReason.Eos, first);
        }
        return new GeneratedTokens([.. ids.Skip(promptIds.Length)], FinishReason.Length, first!);
    }
}
