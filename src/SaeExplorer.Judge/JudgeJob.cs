using SaeExplorer.Core.Analysis.Statistics;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Judge;

/// <summary>Which pairs of conditions are compared within a topic: every pair, or each condition with the baseline only.</summary>
public enum PairScope
{
    All,
    Baseline,
}

/// <summary>What to judge: a run's arms (baseline first), by which protocol, in which seeded order.</summary>
public sealed record JudgeRequest(string RunId, IReadOnlyList<RunAnswerSet> Arms, JudgeProtocol Protocol, ulong Seed = 0, PairScope Pairs = PairScope.All);

/// <summary>How far a judging is: calls answered (from the store or the endpoint) of all it needs.</summary>
public sealed record JudgeProgress(int Done, int Total, int Cached);

/// <summary>
/// Judges a run's answers blind. Pointwise: every answer of every arm alone. Pairwise: within each topic, every pair
/// of the baseline arm's conditions (or each condition with the baseline condition), and every intervened answer
/// against the baseline answer to the same prompt — each pair in <b>both</b> orders, the first order's A drawn from
/// the seed, so position bias can be measured and cancelled. The judge sees the topic's neutral question only.
/// </summary>
public static class JudgeJob
{
    /// <summary>One call to make.</summary>
    public sealed record Item(string Topic, string Question, AnswerRef First, string FirstText, AnswerRef? Second, string? SecondText, string Condition);

    /// <summary>Every call the request needs, in a seeded random order (the order calls go out; it changes no verdict).</summary>
    public static IReadOnlyList<Item> Plan(PromptSet set, JudgeRequest request)
    {
        if (request.Arms.Count == 0 || request.Arms[0].Arm != RunAnswerSet.BaselineArm)
            throw new ArgumentException($"run {request.RunId} has no baseline answers: run `saex run --generate` first.", nameof(request));
        var baseline = request.Arms[0];
        var byPrompt = baseline.Answers.ToDictionary(a => a.PromptId);
        var items = new List<Item>();
        if (request.Protocol is JudgeProtocol.Pointwise or JudgeProtocol.Both)
        {
            foreach (var arm in request.Arms)
                foreach (var a in arm.Answers)
                    items.Add(new Item(a.Topic, JudgePrompts.NeutralQuestion(set, a.Topic), new AnswerRef(arm.Arm, a.PromptId), a.Text, null, null, a.Condition));
        }
        if (request.Protocol is JudgeProtocol.Pairwise or JudgeProtocol.Both)
        {
            var order = set.Conditions.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i);
            string reference = PromptSets.BaselineCondition(set).Name;
            foreach (var topic in baseline.Answers.GroupBy(a => a.Topic))
            {
                var answers = topic.OrderBy(a => order.GetValueOrDefault(a.Condition, int.MaxValue)).ToList();
                for (int i = 0; i < answers.Count; i++)
                    for (int j = i + 1; j < answers.Count; j++)
                    {
                        if (request.Pairs == PairScope.Baseline && answers[i].Condition != reference && answers[j].Condition != reference)
                            continue;
                        AddBothOrders(items, set, request.Seed, baseline.Arm, answers[i], baseline.Arm, answers[j]);
                    }
            }
            foreach (var arm in request.Arms.Skip(1))
                foreach (var a in arm.Answers)
                    if (byPrompt.TryGetValue(a.PromptId, out var b))
                        AddBothOrders(items, set, request.Seed, arm.Arm, a, baseline.Arm, b);
        }
        return Shuffle(items, request.Seed);
    }

    public static async Task<JudgementSet> RunAsync(PromptSet set, JudgeRequest request, JudgeClient judge, IProgress<JudgeProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var items = Plan(set, request);
        int done = 0, cached = 0;
        progress?.Report(new JudgeProgress(0, items.Count, 0));
        var replies = await FailFast.WhenAllAsync(items, async (item, ct) =>
        {
            var reply = item.Second is null
                ? await judge.AskAsync(JudgePrompts.Pointwise(item.Question, item.FirstText), JudgePrompts.PointwiseSchema, "pointwise_verdict", ct).ConfigureAwait(false)
                : await judge.AskAsync(JudgePrompts.Pairwise(item.Question, item.FirstText, item.SecondText!), JudgePrompts.PairwiseSchema, "pairwise_verdict", ct).ConfigureAwait(false);
            int c = reply.FromCache ? Interlocked.Increment(ref cached) : Volatile.Read(ref cached);
            progress?.Report(new JudgeProgress(Interlocked.Increment(ref done), items.Count, c));
            return (item, reply.Call);
        }, cancellation).ConfigureAwait(false);

        var pointwise = new List<PointwiseVerdict>();
        var pairwise = new List<PairwiseVerdict>();
        foreach (var (item, call) in replies)
        {
            if (item.Second is null)
            {
                var scores = call.Refused ? null : JudgePrompts.ParsePointwise(call.Reply);
                pointwise.Add(new PointwiseVerdict(item.First, item.Topic, item.Condition, Outcome(call, scores is not null),
                    scores?.Accuracy, scores?.Completeness, scores?.Clarity, scores?.Usefulness, scores?.Rationale, call.Key));
            }
            else
            {
                var preference = call.Refused ? null : JudgePrompts.ParsePairwise(call.Reply);
                pairwise.Add(new PairwiseVerdict(item.Topic, item.First, item.Second, Outcome(call, preference is not null),
                    preference?.Preferred, preference?.Rationale, call.Key));
            }
        }
        var endpoint = judge.Endpoint;
        return new JudgementSet(request.RunId, endpoint.Model, endpoint.Describe(), JudgePrompts.Version, request.Seed, DateTimeOffset.UtcNow,
            [.. pointwise.OrderBy(v => v.Answer.Arm == RunAnswerSet.BaselineArm ? 0 : 1).ThenBy(v => v.Answer.Arm, StringComparer.Ordinal).ThenBy(v => v.Answer.PromptId, StringComparer.Ordinal)],
            [.. pairwise.OrderBy(v => v.Topic, StringComparer.Ordinal).ThenBy(v => PairName(v), StringComparer.Ordinal)],
            judge.Usage);
    }

    private static string Outcome(JudgeCall call, bool parsed) =>
        call.Refused ? JudgeOutcomes.Refused : parsed ? JudgeOutcomes.Ok : JudgeOutcomes.Unparseable;

    private static string PairName(PairwiseVerdict v) => $"{v.First.Arm}/{v.First.PromptId}|{v.Second.Arm}/{v.Second.PromptId}";

    private static void AddBothOrders(List<Item> items, PromptSet set, ulong seed, string armX, RunAnswer x, string armY, RunAnswer y)
    {
        var question = JudgePrompts.NeutralQuestion(set, x.Topic);
        AnswerRef rx = new(armX, x.PromptId), ry = new(armY, y.PromptId);
        // Which answer is A in the first order is a coin drawn from the seed and the pair, so it is recorded by the seed.
        bool swap = (Bootstrap.DeriveSeed(seed, StableHash($"{armX}/{x.PromptId}|{armY}/{y.PromptId}")) & 1) == 1;
        if (swap)
            (rx, ry, x, y) = (ry, rx, y, x);
        items.Add(new Item(x.Topic, question, rx, x.Text, ry, y.Text, x.Condition));
        items.Add(new Item(x.Topic, question, ry, y.Text, rx, x.Text, y.Condition));
    }

    private static IReadOnlyList<Item> Shuffle(List<Item> items, ulong seed)
    {
        var array = items.ToArray();
        for (int i = array.Length - 1; i > 0; i--)
        {
            int j = (int)(Bootstrap.DeriveSeed(seed, (ulong)i) % (ulong)(i + 1));
            (array[i], array[j]) = (array[j], array[i]);
        }
        return array;
    }

    private static ulong StableHash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }
}
