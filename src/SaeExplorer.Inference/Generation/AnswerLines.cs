using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Inference.Generation;

/// <summary>Answers as the lines of an answers file (<see cref="AnswerLine"/>), text decoded with the model's tokenizer.</summary>
public static class AnswerLines
{
    public static IReadOnlyList<AnswerLine> From(IReadOnlyList<AnswerResult> results, Llama3Tokenizer tokenizer, AnswerSettings settings)
    {
        var interventions = InterventionJson.From(settings.Interventions, settings.Scope);
        var decoding = DecodingJson.From(settings.Decoding);
        return [.. results.Select(r =>
        {
            var ids = r.Answer.NewIds;
            var textIds = r.Answer.FinishReason == FinishReasons.Eos ? ids[..^1] : ids;
            return new AnswerLine(r.Prompt.Id, tokenizer.Decode(textIds), ids, r.Answer.FinishReason, r.Prompt.Ids.Length, ids.Length,
                interventions, decoding, settings.Decoding.Seed, Math.Round(r.Answer.Seconds, 3));
        })];
    }
}

/// <summary>A run's answers as the judge and the quality analysis read them (<see cref="RunAnswerSet"/>).</summary>
public static class RunAnswerSets
{
    /// <param name="prompts">per answer, in the same order: the prompt's id, topic, condition and active pooled features</param>
    public static RunAnswerSet From(string runId, string arm, IReadOnlyList<AnswerResult> results, IReadOnlyList<(string Topic, string Condition, int PromptActive)> prompts,
        Llama3Tokenizer tokenizer, AnswerSettings settings)
    {
        if (prompts.Count != results.Count)
            throw new ArgumentException($"{results.Count} answers but {prompts.Count} prompts", nameof(prompts));
        var answers = results.Select((r, i) =>
        {
            var ids = r.Answer.NewIds;
            var textIds = r.Answer.FinishReason == FinishReasons.Eos ? ids[..^1] : ids;
            var (mean, distinct) = AnswerFeatureSize(r.Answer);
            return new RunAnswer(r.Prompt.Id, prompts[i].Topic, prompts[i].Condition, settings.Key(r.Prompt.Ids), tokenizer.Decode(textIds),
                ids.Length, r.Answer.FinishReason, prompts[i].PromptActive, mean, distinct);
        }).ToList();
        return new RunAnswerSet(runId, RunAnswerSet.CheckArm(arm), settings.Decoding, settings.Interventions, settings.Scope, DateTimeOffset.UtcNow, answers);
    }

    /// <summary>Mean active features per answer token and the distinct features over the answer (NaN and 0 without features).</summary>
    private static (double Mean, int Distinct) AnswerFeatureSize(StoredAnswer answer)
    {
        if (answer.Features is not { TokenCount: > 0 } f)
            return (double.NaN, 0);
        var distinct = new HashSet<int>();
        long active = 0;
        for (int t = 0; t < f.TokenCount; t++)
        {
            var row = f.RowIndices(t);
            active += row.Length;
            foreach (var index in row)
                distinct.Add(index);
        }
        return ((double)active / f.TokenCount, distinct.Count);
    }
}
