using SaeExplorer.Core.Features;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Inference.Pipeline;

/// <summary>
/// A finished run seen the ways the analyses need it (pooled per prompt, tokenized with spans, one prompt for a diff).
/// Shared by the CLI and the dashboard so both show the same numbers. <paramref name="decode"/> turns one token id into
/// its text (a byte-level piece of a character shows as U+FFFD).
/// </summary>
public static class RunViews
{
    public static List<PooledPrompt> Pooled(ExperimentResult result) =>
        result.Prompts.Select(p => new PooledPrompt(p.Prompt.Id, p.Prompt.Condition, p.Prompt.Topic, p.PooledFeatures)).ToList();

    /// <summary>Every prompt's tokens as text with UTF-16 spans into its rendered text, and its per-token features.</summary>
    public static List<TokenizedPrompt> Tokenized(ExperimentResult result, Func<int, string> decode) =>
        result.Prompts.Select(p => Tokenized(p, decode)).ToList();

    public static TokenizedPrompt Tokenized(PromptResult p, Func<int, string> decode)
    {
        var spans = TokenContexts.CodePointToUtf16(p.Encoded.Text, p.Encoded.Offsets.Select(o => (o.Start, o.End)).ToList());
        var tokens = p.Encoded.Ids.Select((id, i) => new TokenSpan(decode(id), spans[i].Start, spans[i].End)).ToList();
        return new TokenizedPrompt(p.Prompt.Id, p.Prompt.Condition, p.Encoded.Text, tokens, p.Cached.Features);
    }

    /// <summary>
    /// The texts a feature's examples are drawn from: every prompt of the run (its rendered tokens) and every answer given
    /// (its generated tokens, with the features encoded while it was generated; an answer stored without features is
    /// skipped). An answer's id is its prompt's id with <see cref="AnswerSuffix"/>.
    /// </summary>
    public static List<ExampleDocument> Documents(ExperimentResult result, Func<int, string> decode, IEnumerable<(RunAnswer Answer, StoredAnswer Stored)> answers)
    {
        var documents = result.Prompts.Select(p => ExampleDocument.FromPrompt(Tokenized(p, decode))).ToList();
        foreach (var (answer, stored) in answers)
        {
            if (stored.Features is not { } features)
                continue;
            if (features.TokenCount != stored.NewIds.Length)
                throw new InvalidDataException($"the answer to {answer.PromptId} has {stored.NewIds.Length} tokens but features for {features.TokenCount}; generate it again.");
            documents.Add(new ExampleDocument(answer.PromptId + AnswerSuffix, answer.Condition, ExampleDocument.AnswerSource, stored.NewIds.Select(decode).ToArray(), features));
        }
        return documents;
    }

    public const string AnswerSuffix = "#answer";

    /// <summary>
    /// A prompt for <see cref="PromptDiff"/>: tokens segmented into the user's message and the template around it;
    /// <paramref name="read"/> gives the tokens' texts from their ids (a page reads a character split over byte-level
    /// tokens once; a file keeps each token's own decoding).
    /// </summary>
    public static DiffPrompt ForDiff(PromptResult p, Func<IReadOnlyList<int>, IReadOnlyList<string>> read) =>
        ForDiff(p.Prompt.Id, p.Encoded.Ids, p.Cached.UserTokenPositions, p.Cached.Features, read);

    /// <summary>Any tokenized prompt with its per-token features (a run's, or one typed on the Compare page) for <see cref="PromptDiff"/>.</summary>
    public static DiffPrompt ForDiff(string id, IReadOnlyList<int> ids, IEnumerable<int> userPositions, SparseFeatureMatrix features,
        Func<IReadOnlyList<int>, IReadOnlyList<string>> read)
    {
        var user = userPositions.ToHashSet();
        return new DiffPrompt(id, ids, read(ids), Enumerable.Range(0, ids.Count).Select(i => user.Contains(i) ? "user" : "template").ToList(), features);
    }

    public static PromptResult Find(ExperimentResult result, string id) =>
        result.Prompts.FirstOrDefault(p => p.Prompt.Id == id)
        ?? throw new ArgumentException($"no prompt '{id}' in this run; ids look like {string.Join(", ", result.Prompts.Take(3).Select(p => p.Prompt.Id))}.");
}
