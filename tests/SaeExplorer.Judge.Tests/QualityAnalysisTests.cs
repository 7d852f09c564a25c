using System.Text.RegularExpressions;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Storage;
using SaeExplorer.Tests;

namespace SaeExplorer.Judge.Tests;

/// <summary>A judged run through the analysis: a judge whose taste is known gives the numbers it must.</summary>
public sealed class QualityAnalysisTests
{
    [Fact]
    public async Task AJudgeThatPrefersTheHigherNumberedAnswerShowsUpInEveryDiagnostic()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        await using var server = new ScriptedServer();
        // The judge's taste: the answer with the larger "number i" wins, in either order; the score is 1 + i.
        server.Fallback = body =>
        {
            var numbers = Regex.Matches(ScriptedServer.UserText(body), @"number (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
            return new Scripted(Content: ScriptedServer.IsPairwise(body)
                ? $"{{\"preferred\":\"{(numbers[0] > numbers[1] ? "A" : "B")}\",\"rationale\":\"r\"}}"
                : $"{{\"accuracy\":{1 + numbers[0]},\"completeness\":{1 + numbers[0]},\"clarity\":{1 + numbers[0]},\"usefulness\":{1 + numbers[0]},\"rationale\":\"r\"}}");
        };
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "s.db"));
        var runId = JudgeTestData.Seed(store, extraArm: "steered");
        var arms = store.ListArms(runId).Select(a => store.GetAnswerSet(runId, a)!).ToList();
        using var client = new JudgeClient(new JudgeEndpoint(server.BaseUrl, "taste", "SAEX_TEST_NO_SUCH_KEY", JudgeResponseFormat.JsonSchema), store);
        var judged = await JudgeJob.RunAsync(JudgeTestData.Set, new JudgeRequest(runId, arms, JudgeProtocol.Both), client);

        var result = QualityAnalysis.Run(JudgeTestData.Set, arms, judged, resamples: 200);
        // Answers are numbered in prompt order (standard, novice, expert per topic; number = index): expert > novice > standard.
        var t = result.Triangle;
        Assert.Equal("standard", t.Reference);
        Assert.Equal(6, t.ScoredAnswers);
        Assert.Equal(12, t.Comparisons);
        var strength = t.Strengths.ToDictionary(s => s.Condition, s => s.Raw.Estimate);
        Assert.Equal(0, strength["standard"]);
        Assert.True(strength["expert"] > strength["novice"] && strength["novice"] > 0, string.Join(", ", strength));
        // Every verdict was consistent, and the higher number is also the longer answer (AnswerTokens = 10 + i).
        Assert.Equal(1.0, t.JudgeBias.PositionConsistency.Rate);
        Assert.Equal(1.0, t.JudgeBias.LongerAnswerWins.Rate);
        Assert.Equal(0.5, t.JudgeBias.FirstPositionWins.Rate);
        Assert.Equal(100.0, t.WinRates.Single(w => w.Condition == "expert").Result.RawWinRate.Estimate);
        // Score = 1 + i rises with length: Spearman of length and score is 1.
        Assert.Equal(1.0, t.Sides.Single(s => s.X == "length_tokens" && s.Y == "pointwise_score").Spearman.Estimate, 12);

        // The steered arm's answers carry the same numbers as the baseline's: equal scores, and each pair a disagreement
        // between the orders (the judge picks A when the numbers tie), so a tie.
        var steered = Assert.Single(result.Arms);
        Assert.Equal("steered", steered.Arm);
        var all = steered.Results[0];
        Assert.Equal(6, all.Prompts);
        Assert.Equal(0.0, all.Quality.Delta!.Estimate);
        Assert.Equal(6, all.JudgedPairs);
        Assert.Equal(0.5, all.PairwiseWinRate!.Estimate);
    }
}

/// <summary>Two judges of the same answers: their agreement, computed by hand here.</summary>
public sealed class JudgeAgreementTests
{
    [Fact]
    public async Task ASecondJudgeThatShiftsEveryScoreByTwo_HasSpearmanOne_AndTheHandComputedWeightedKappa()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        await using var server = new ScriptedServer();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "s.db"));
        var runId = JudgeTestData.Seed(store);
        var arms = store.ListArms(runId).Select(a => store.GetAnswerSet(runId, a)!).ToList();
        async Task<JudgementSet> JudgeWith(string model, int offset)
        {
            server.Fallback = body =>
            {
                var numbers = Regex.Matches(ScriptedServer.UserText(body), @"number (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
                int s = Math.Min(10, 1 + numbers[0] + offset);
                return new Scripted(Content: ScriptedServer.IsPairwise(body)
                    ? $"{{\"preferred\":\"{(numbers[0] > numbers[1] ? "A" : "B")}\",\"rationale\":\"r\"}}"
                    : $"{{\"accuracy\":{s},\"completeness\":{s},\"clarity\":{s},\"usefulness\":{s},\"rationale\":\"r\"}}");
            };
            using var client = new JudgeClient(new JudgeEndpoint(server.BaseUrl, model, "SAEX_TEST_NO_SUCH_KEY", JudgeResponseFormat.JsonSchema), store);
            return await JudgeJob.RunAsync(JudgeTestData.Set, new JudgeRequest(runId, arms, JudgeProtocol.Both), client);
        }
        var first = await JudgeWith("judge-one", 0);
        var second = await JudgeWith("judge-two", 2);

        var agreement = QualityAnalysis.Run(JudgeTestData.Set, arms, first, second, resamples: 200).Agreement!;
        Assert.Equal(("judge-one", "judge-two"), (agreement.FirstJudge, agreement.SecondJudge));
        // Same order of the six answers (scores 1..6 vs 3..8): Spearman 1; quadratic κ by hand: observed Σ(a−b)² = 6·4 = 24,
        // expected (1/n)·ΣᵢΣⱼ(aᵢ−bⱼ)² = (1/6)·Σᵢ Σⱼ (i − j − 2)² over i, j in 1..6 = (1/6)·(36·4 + 2·6·17.5) = 59; κ = 1 − 24/59.
        Assert.Equal(1.0, agreement.ScoreSpearman!.Estimate, 12);
        Assert.Equal(1 - 24.0 / 59, agreement.ScoreKappa!.Kappa, 12);
        // Both judges pick the higher number in both orders: the six combined pairs agree. Here the higher-numbered
        // answer is always the pair's X (conditions sort expert < novice < standard, numbers the other way), so both
        // judges say "X" throughout and κ is undefined (no chance disagreement to beat): NaN, not a made-up 1.
        Assert.Equal(6, agreement.PairKappa!.Items);
        Assert.Equal(0.0, agreement.PairKappa.ObservedDisagreement);
        Assert.True(double.IsNaN(agreement.PairKappa.Kappa));
    }
}
