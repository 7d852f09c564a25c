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
