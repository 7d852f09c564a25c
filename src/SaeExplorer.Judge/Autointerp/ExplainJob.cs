using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Judge.Autointerp;

/// <summary>One feature to explain: its examples from the run and, optionally, the tokens its decoder direction promotes.</summary>
public sealed record ExplainItem(FeatureExampleSet Examples, IReadOnlyList<string>? Promoted = null);

/// <param name="ShowConditions">tell the explainer the share of each prompt style where the feature fires</param>
/// <param name="Batch">held-out examples per scorer call (delphi shows 5)</param>
public sealed record ExplainRequest(
    string SaeFingerprint,
    string RunId,
    IReadOnlyList<ExplainItem> Features,
    IReadOnlyList<ScoringMethod> Methods,
    bool ShowConditions = true,
    int Batch = 5,
    ulong Seed = 0)
{
    public ExplainRequest Validated()
    {
        if (Batch is < 1 or > 50)
            throw new ArgumentOutOfRangeException(nameof(Batch), Batch, "--batch must lie in 1–50 examples per scorer call.");
        if (Features.Select(f => f.Examples.Feature).Distinct().Count() != Features.Count)
            throw new ArgumentException("a feature is listed twice.", nameof(Features));
        return this with { Methods = Methods.Distinct().ToArray() };
    }
}

/// <summary>
/// What a request will send: calls not in the store yet and their tokens. Scorer calls are counted exactly when the
/// explanation they need is stored; otherwise their number is known (batches) and their size estimated from the
/// examples with the longest explanation allowed. Tokens are estimated at 4 characters each (English text with a
/// BPE tokenizer; the real counts are in the usage line after the run).
/// </summary>
public sealed record ExplainPlan(int Features, int Calls, int Stored, long InputTokens, long OutputTokens)
{
    public const int CharactersPerToken = 4;
}

public sealed record ExplainProgress(int Done, int Total, int Cached);

/// <summary>
/// Explains features and scores the explanations: per feature one explainer call on the examples it may see, then the
/// scorer calls for each method on the held-out examples, <see cref="ExplainRequest.Batch"/> at a time. Every call goes
/// through a <see cref="JudgeClient"/> (cached in the store, retried, bounded concurrency), and each feature's
/// explanation is stored as soon as it is scored, so a killed job resumes at no cost for what it had done.
/// </summary>
public static class ExplainJob
{
    public static ExplainPlan Plan(ExplainRequest request, JudgeClient explainer, JudgeClient scorer)
    {
        request = request.Validated();
        int calls = 0, stored = 0;
        long input = 0, output = 0;
        foreach (var item in request.Features)
        {
            if (item.Examples.ActiveDocuments == 0)
                continue;
            var messages = ExplainerMessages(request, item);
            var call = explainer.Stored(messages, ExplainerPrompts.ExplainerSchema, ExplainerPrompts.ExplainerVersion);
            if (call is null)
            {
                calls++;
                input += Tokens(messages);
                output += ExplainerPrompts.ExplanationMaxLength / ExplainPlan.CharactersPerToken;
            }
            else
                stored++;
            if (!item.Examples.CanScore)
                continue;
            string? explanation = call is null ? null : ExplainerPrompts.ParseExplanation(call.Reply);
            if (call is not null && explanation is null)
                continue;
            foreach (var (method, batch) in Batches(request, item.Examples))
            {
                var scoring = ExplainerPrompts.Scorer(method, explanation ?? new string('x', ExplainerPrompts.ExplanationMaxLength), batch);
                if (explanation is not null && scorer.Stored(scoring, ExplainerPrompts.ScorerSchema(batch.Count), ExplainerPrompts.ScorerVersion) is not null)
                {
                    stored++;
                    continue;
                }
                calls++;
                input += Tokens(scoring);
                output += 4 + 2 * batch.Count;
            }
        }
        return new ExplainPlan(request.Features.Count, calls, stored, input, output);
    }

    public static async Task<IReadOnlyList<FeatureExplanation>> RunAsync(ExplainRequest request, JudgeClient explainer, JudgeClient scorer,
        IExplanationStore store, IProgress<ExplainProgress>? progress = null, CancellationToken cancellation = default)
    {
        request = request.Validated();
        int total = request.Features.Sum(f => f.Examples.ActiveDocuments == 0 ? 0 : 1 + (f.Examples.CanScore ? Batches(request, f.Examples).Count() : 0));
        int done = 0, cached = 0;
        progress?.Report(new ExplainProgress(0, total, 0));
        void Count(JudgeReply reply)
        {
            int c = reply.FromCache ? Interlocked.Increment(ref cached) : Volatile.Read(ref cached);
            progress?.Report(new ExplainProgress(Interlocked.Increment(ref done), total, c));
        }

        // Every explanation finished before a failure is stored.
        return await FailFast.WhenAllAsync(request.Features, async (item, ct) =>
        {
            var explanation = await ExplainOneAsync(request, item, explainer, scorer, Count, ct).ConfigureAwait(false);
            store.PutExplanation(explanation);
            return explanation;
        }, cancellation).ConfigureAwait(false);
    }

    private static async Task<FeatureExplanation> ExplainOneAsync(ExplainRequest request, ExplainItem item, JudgeClient explainer, JudgeClient scorer,
        Action<JudgeReply> count, CancellationToken cancellation)
    {
        var set = item.Examples;
        FeatureExplanation Result(string outcome, string? text, IReadOnlyList<ExplanationScore> scores, string key) =>
            new(request.SaeFingerprint, set.Feature, request.RunId, explainer.Endpoint.Model, ExplainerPrompts.ExplainerVersion, outcome, text,
                DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), set.Documents, set.ActiveDocuments, set.Explain, scores, key);
        if (set.ActiveDocuments == 0)
            return Result(ExplanationOutcomes.Silent, null, [], "");

        var reply = await explainer.AskAsync(ExplainerMessages(request, item), ExplainerPrompts.ExplainerSchema, "feature_explanation", cancellation,
            ExplainerPrompts.ExplainerVersion).ConfigureAwait(false);
        count(reply);
        var text = reply.Call.Refused ? null : ExplainerPrompts.ParseExplanation(reply.Call.Reply);
        if (text is null)
            return Result(reply.Call.Refused ? ExplanationOutcomes.Refused : ExplanationOutcomes.Unparseable, null, [], reply.Call.Key);
        if (!set.CanScore)
            return Result(ExplanationOutcomes.Ok, text, [], reply.Call.Key);

        var batches = Batches(request, set).ToList();
        var answers = await Task.WhenAll(batches.Select(async b =>
        {
            var r = await scorer.AskAsync(ExplainerPrompts.Scorer(b.Method, text, b.Items), ExplainerPrompts.ScorerSchema(b.Items.Count),
                "scorer_answers", cancellation, ExplainerPrompts.ScorerVersion).ConfigureAwait(false);
            count(r);
            return r.Call.Refused ? null : ExplainerPrompts.ParseAnswers(r.Call.Reply, b.Items.Count);
        })).ConfigureAwait(false);
        var scores = request.Methods.Select(method =>
        {
            var examples = batches.Select((b, i) => (b, a: answers[i])).Where(x => x.b.Method == method)
                .SelectMany(x => x.b.Items.Select((item, j) => new ScoredExample(item.Example, item.Marked, item.Truth, x.a?[j])))
                .ToList();
            return new ExplanationScore(method, scorer.Endpoint.Model, ExplainerPrompts.ScorerVersion,
                ClassificationScore.From(examples.Select(e => (e.Truth, e.Predicted))), examples);
        }).ToList();
        return Result(ExplanationOutcomes.Ok, text, scores, reply.Call.Key);
    }

    private static IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> ExplainerMessages(ExplainRequest request, ExplainItem item) =>
        ExplainerPrompts.Explainer(item.Examples.Explain, request.ShowConditions ? item.Examples.Conditions : null, item.Promoted);

    private static IEnumerable<(ScoringMethod Method, IReadOnlyList<ScoringItem> Items)> Batches(ExplainRequest request, FeatureExampleSet set)
    {
        foreach (var method in request.Methods.Distinct())
        {
            var items = method == ScoringMethod.Detection ? ScoringItems.Detection(set, request.Seed) : ScoringItems.Fuzzing(set, request.Seed);
            for (int i = 0; i < items.Count; i += request.Batch)
                yield return (method, items.Skip(i).Take(request.Batch).ToList());
        }
    }

    private static long Tokens(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages) =>
        messages.Sum(m => (long)m.Text.Length) / ExplainPlan.CharactersPerToken + 8;
}
