using System.Text.Json;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Analysis.Statistics;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class ContrastStatisticsTests
{
    private static PooledPrompt P(string id, params (int Feature, float Value)[] active)
    {
        var sorted = active.OrderBy(a => a.Feature).ToArray();
        var parts = id.Split('/');
        return new PooledPrompt(id, parts[0], parts[1], new SparseVector(6, sorted.Select(a => a.Feature).ToArray(), sorted.Select(a => a.Value).ToArray()));
    }

    // Six latents. 3: every plain prompt (1, 2, 3, 4), no fancy one. 0: every prompt, plain 1–4 below fancy 5–8.
    // 5: plain/t1 only. 1: plain/t1, fancy/t1, fancy/t2, all 2. 4: solo/t1 only. 2: never.
    private static readonly PooledPrompt[] Prompts =
    [
        P("plain/t1", (3, 1), (0, 1), (5, 1), (1, 2)),
        P("plain/t2", (3, 2), (0, 2)),
        P("plain/t3", (3, 3), (0, 3)),
        P("plain/t4", (3, 4), (0, 4)),
        P("fancy/t1", (0, 5), (1, 2)),
        P("fancy/t2", (0, 6), (1, 2)),
        P("fancy/t3", (0, 7)),
        P("fancy/t4", (0, 8)),
        P("solo/t1", (4, 1)),
    ];

    [Fact]
    public void Pair_contrast_by_hand()
    {
        var r = ContrastStatistics.Compute(Prompts, new Contrast("plain", "fancy"), new ContrastStatisticsOptions(Seed: 7));
        Assert.Equal(6, r.FeatureCount);
        Assert.Equal(4, r.TestedCount);
        Assert.Equal(4, r.PairedTopicCount);
        // Fisher q first (latent 3 alone is below 1), then Mann–Whitney q: 0 (0.0857), 5 (0.9065), 1 (0.9126).
        Assert.Equal([3, 0, 5, 1], r.Features.Select(f => f.Feature));

        var f3 = r.Features[0];
        Assert.Equal((4, 0), (f3.ActiveA, f3.ActiveB));
        Assert.Equal((1.0, 0.0, 1.0), (f3.PresenceRateA, f3.PresenceRateB, f3.PresenceDifference));
        // Haldane: log2((4.5·4.5)/(0.5·0.5)) = log2 81.
        Assert.Equal(Math.Log2(81), f3.Log2OddsRatio, 12);
        // Fisher [[4, 0], [0, 4]]: 2/70; BH over m = 6 with every other Fisher p = 1: 6·2/70.
        Assert.Equal(2.0 / 70, f3.FisherP, 12);
        Assert.Equal(12.0 / 70, f3.FisherQ, 12);
        // MW: A = 1 2 3 4, B = 0 0 0 0. U_A = 16, ties 4³ − 4 = 60, σ² = 16/12·(9 − 60/56), z = 7.5/σ = 2.306718,
        // p = 0.0210706 (Python math.erfc); MW q: the smallest of 4 p-values but 6·p/1 = 0.126 > 6·(2/70)/2 = 0.0857.
        Assert.Equal(16.0, f3.MannWhitneyUA);
        Assert.Equal(MannWhitneyMethod.Asymptotic, f3.MannWhitneyMethod);
        Assert.Equal(2.306717569609671, f3.MannWhitneyZ, 12);
        Assert.Equal(0.02107057013437867, f3.MannWhitneyP, 12);
        Assert.Equal(6 * (2.0 / 70) / 2, f3.MannWhitneyQ, 12);
        Assert.Equal(1.0, f3.RankBiserial, 12);
        Assert.Equal((2.5, 0.0, 2.5), (f3.MeanA, f3.MeanB, f3.MeanDifference));
        Assert.Equal((4.0, 0.0), (f3.MaxA, f3.MaxB));
        Assert.Equal(SeparatedSide.A, f3.PresenceSeparation);
        Assert.Equal(SeparatedSide.A, f3.MagnitudeSeparation);
        // Paired: +1 presence in all 4 topics: sign p = 2/16. d = 1, 2, 3, 4: T⁺ = 10, z = 4.5/√7.5, p = 0.1003482.
        var p3 = f3.Paired!;
        Assert.Equal((4, 0), (p3.TopicsMoreActiveA, p3.TopicsMoreActiveB));
        Assert.Equal(0.125, p3.SignP, 15);
        Assert.Equal((10.0, 0.0, 4), (p3.WilcoxonTPlus, p3.WilcoxonTMinus, p3.WilcoxonNonZero));
        Assert.Equal(0.10034824646229079, p3.WilcoxonP, 12);
        // Wilcoxon p: 0.1003 (3), 0.0719 (0), 1, 1 with m = 6 → q = min(6·0.0719/1, 6·0.1003/2) = 0.30104.
        Assert.Equal(0.3010447393868724, p3.WilcoxonQ, 12);
        // Sign p: 0.125 (3), others 1 → 6·0.125 = 0.75.
        Assert.Equal(0.75, p3.SignQ, 12);

        var f0 = r.Features[1];
        Assert.Equal((4, 4), (f0.ActiveA, f0.ActiveB));
        Assert.Equal(1.0, f0.FisherP);
        // No ties and 4 ≤ 8 values a side: exact. U_A = 0; only 1 of the C(8,4) = 70 arrangements is as extreme each way.
        Assert.Equal(MannWhitneyMethod.Exact, f0.MannWhitneyMethod);
        Assert.Equal(0.0, f0.MannWhitneyUA);
        Assert.Equal(2.0 / 70, f0.MannWhitneyP, 12);
        Assert.Equal(-1.0, f0.RankBiserial, 12);
        Assert.Equal(-4.0, f0.MeanDifference, 12);
        Assert.Equal(SeparatedSide.None, f0.PresenceSeparation);
        Assert.Equal(SeparatedSide.B, f0.MagnitudeSeparation);
        // Paired magnitude: d = −4 four times, one tie block: σ² = 7.5 − 60/48 = 6.25, z = (0 − 5 + 0.5)/2.5 = −1.8.
        Assert.Equal((0, 0, 1.0), (f0.Paired!.TopicsMoreActiveA, f0.Paired.TopicsMoreActiveB, f0.Paired.SignP));
        Assert.Equal(-1.8, f0.Paired.WilcoxonZ, 12);
        Assert.Equal(0.07186063822585162, f0.Paired.WilcoxonP, 12);

        var f5 = r.Features[2];
        // [[1, 3], [0, 4]]: both possible tables have probability ½, so p = 1. MW: seven zeros share rank 4, the 1 has
        // rank 8: U_A = 20 − 10 = 10, σ² = 16/12·(9 − 336/56) = 4, z = 1.5/2 = 0.75, p = 0.4532547.
        Assert.Equal(1.0, f5.FisherP, 12);
        Assert.Equal(10.0, f5.MannWhitneyUA);
        Assert.Equal(0.75, f5.MannWhitneyZ, 12);
        Assert.Equal(0.4532547047537364, f5.MannWhitneyP, 12);
        Assert.Equal(0.9065094095074727, f5.MannWhitneyQ, 12);
        Assert.Equal(SeparatedSide.None, f5.PresenceSeparation);
        Assert.Equal(SeparatedSide.None, f5.MagnitudeSeparation);

        var f1 = r.Features[3];
        // A: 2 0 0 0, B: 2 2 0 0. Zeros (5) share rank 3, the 2s (3) rank 7: R_A = 7 + 9 = 16, U_A = 6.
        // Ties 120 + 24 = 144; σ² = 16/12·(9 − 144/56); z = 1.5/σ = 0.5123475, p = 0.6084078.
        Assert.Equal(6.0, f1.MannWhitneyUA);
        Assert.Equal(0.5123475382979799, f1.MannWhitneyZ, 12);
        Assert.Equal(0.6084078002329985, f1.MannWhitneyP, 12);
        Assert.Equal(0.9126117003494977, f1.MannWhitneyQ, 12);
        // Paired: t1 tie (2 vs 2), t2 B only: one topic more active on B; Wilcoxon n = 1, z = 0, p = 1.
        Assert.Equal((0, 1, 1.0), (f1.Paired!.TopicsMoreActiveA, f1.Paired.TopicsMoreActiveB, f1.Paired.SignP));
        Assert.Equal((0.0, 1.0, 1, 1.0), (f1.Paired.WilcoxonTPlus, f1.Paired.WilcoxonTMinus, f1.Paired.WilcoxonNonZero, f1.Paired.WilcoxonP));

        // Sides: active counts plain 4 2 2 2 (mean 2.5), fancy 2 2 1 1 (1.5).
        Assert.Equal(("plain", 4, 2.5), (r.A.Name, r.A.PromptCount, r.A.MeanActiveCount.Estimate));
        Assert.Equal(("fancy", 4, 1.5), (r.B.Name, r.B.PromptCount, r.B.MeanActiveCount.Estimate));
        Assert.InRange(2.5, r.A.MeanActiveCount.Lower, r.A.MeanActiveCount.Upper);
        Assert.InRange(r.A.MeanActiveCount.Lower, 2.0, 2.5);
        Assert.InRange(r.A.MeanActiveCount.Upper, 2.5, 3.5);
        Assert.Equal((4.0, 8.0), (r.A.MaxActivation, r.B.MaxActivation));
        // Mean of per-prompt mean active values: plain (1.25 + 2 + 3 + 4)/4, fancy (3.5 + 4 + 7 + 8)/4.
        Assert.Equal(2.5625, r.A.MeanActivation, 12);
        Assert.Equal(5.625, r.B.MeanActivation, 12);
        Assert.Equal((4, 2), (r.A.UnionCount, r.B.UnionCount));
        Assert.Equal((2, 0), (r.A.ExclusiveCount, r.B.ExclusiveCount));
    }

    [Fact]
    public void Bootstrap_is_deterministic_per_seed()
    {
        var a = ContrastStatistics.Compute(Prompts, new Contrast("plain", "fancy"), new ContrastStatisticsOptions(Seed: 7));
        var b = ContrastStatistics.Compute(Prompts, new Contrast("plain", "fancy"), new ContrastStatisticsOptions(Seed: 7));
        var c = ContrastStatistics.Compute(Prompts, new Contrast("plain", "fancy"), new ContrastStatisticsOptions(Seed: 8));
        Assert.Equal(a.A.MeanActiveCount, b.A.MeanActiveCount);
        Assert.Equal(ContrastStatistics.ToJson(a), ContrastStatistics.ToJson(b));
        Assert.NotEqual(a.A.MeanActiveCount.Seed, c.A.MeanActiveCount.Seed);
        // The two sides use different streams.
        Assert.NotEqual(a.A.MeanActiveCount.Seed, a.B.MeanActiveCount.Seed);
    }

    [Fact]
    public void Versus_rest_pairs_topics_with_several_rest_prompts()
    {
        var r = ContrastStatistics.Compute(Prompts, new Contrast("plain", null));
        Assert.Equal(("rest", 5), (r.B.Name, r.B.PromptCount));
        Assert.Equal(5, r.TestedCount);
        Assert.Equal(4, r.PairedTopicCount);
        // Latent 4 is in solo/t1 only: on topic t1 the rest has presence 1/2 and mean 0.5.
        var f4 = r.Features.Single(f => f.Feature == 4);
        Assert.Equal((0, 1), (f4.ActiveA, f4.ActiveB));
        Assert.Equal((0, 1), (f4.Paired!.TopicsMoreActiveA, f4.Paired.TopicsMoreActiveB));
        Assert.Equal((0.0, 1.0), (f4.Paired.WilcoxonTPlus, f4.Paired.WilcoxonTMinus));
        // Latent 1: t1 plain 2 vs rest mean (2 + 0)/2 = 1 → d = +1; t2 0 vs 2 → d = −2. Ranks 1, 2.
        var f1 = r.Features.Single(f => f.Feature == 1);
        Assert.Equal((1, 1, 1.0), (f1.Paired!.TopicsMoreActiveA, f1.Paired.TopicsMoreActiveB, f1.Paired.SignP));
        Assert.Equal((1.0, 2.0, 2), (f1.Paired.WilcoxonTPlus, f1.Paired.WilcoxonTMinus, f1.Paired.WilcoxonNonZero));
        Assert.Equal(SeparatedSide.A, r.Features.Single(f => f.Feature == 3).PresenceSeparation);
    }

    [Fact]
    public void Different_topics_leave_paired_tests_out()
    {
        var r = ContrastStatistics.Compute(Prompts, new Contrast("plain", "solo"));
        Assert.Null(r.PairedTopicCount);
        Assert.All(r.Features, f => Assert.Null(f.Paired));
        Assert.Contains("\"paired\": null", ContrastStatistics.ToJson(r));
    }

    [Fact]
    public void Contrast_is_validated_like_feature_diff()
    {
        Assert.Throws<ArgumentException>(() => ContrastStatistics.Compute(Prompts, new Contrast("plain", "nope")));
        Assert.Throws<ArgumentException>(() => ContrastStatistics.Compute(Prompts, new Contrast("plain", "plain")));
        var bad = Prompts.Append(new PooledPrompt("x/t1", "x", "t1", new SparseVector(6, [6], [1f]))).ToArray();
        Assert.Throws<ArgumentException>(() => ContrastStatistics.Compute(bad, new Contrast("plain", "fancy")));
    }

    [Fact]
    public void A_selection_of_every_plain_prompt_gives_the_numbers_of_plain_versus_rest_under_its_own_names()
    {
        var byCondition = ContrastStatistics.Compute(Prompts, new Contrast("plain", null));
        var bySelection = ContrastStatistics.ComputeSelection(Prompts, ["plain/t3", "plain/t1", "plain/t4", "plain/t2"]);

        Assert.Equal(byCondition.Features, bySelection.Features);
        Assert.Equal((byCondition.TestedCount, byCondition.PairedTopicCount), (bySelection.TestedCount, bySelection.PairedTopicCount));
        Assert.Equal(("selection", 4), (bySelection.A.Name, bySelection.A.PromptCount));
        Assert.Equal(("rest", 5), (bySelection.B.Name, bySelection.B.PromptCount));
    }

    [Fact]
    public void A_selection_across_conditions_by_hand()
    {
        var r = ContrastStatistics.ComputeSelection(Prompts, ["plain/t1", "fancy/t1"]);

        Assert.Equal((2, 7), (r.A.PromptCount, r.B.PromptCount));
        // Latent 1 is 2 in both selected prompts and in fancy/t2 among the other seven.
        var f1 = r.Features.Single(f => f.Feature == 1);
        Assert.Equal((2, 1), (f1.ActiveA, f1.ActiveB));
        Assert.Equal((2.0, 2.0 / 7), (f1.MeanA, f1.MeanB));
        // Haldane: log2((2.5·6.5)/(0.5·1.5)).
        Assert.Equal(Math.Log2(2.5 * 6.5 / (0.5 * 1.5)), f1.Log2OddsRatio, 12);
        // Fisher [[2, 0], [1, 6]]: only the observed table is as unlikely, C(3,2)·C(6,0)/C(9,2) = 3/36.
        Assert.Equal(1.0 / 12, f1.FisherP, 12);
        Assert.Null(r.PairedTopicCount);
    }

    [Fact]
    public void A_selection_must_name_known_prompts_and_leave_a_rest()
    {
        Assert.Contains("'plain/t9'", Assert.Throws<ArgumentException>(() => ContrastStatistics.ComputeSelection(Prompts, ["plain/t1", "plain/t9"])).Message);
        Assert.Contains("no prompts are selected", Assert.Throws<ArgumentException>(() => ContrastStatistics.ComputeSelection(Prompts, [])).Message);
        Assert.Contains("no rest", Assert.Throws<ArgumentException>(() => ContrastStatistics.ComputeSelection(Prompts, Prompts.Select(p => p.Id).ToArray())).Message);
    }

    [Fact]
    public void Json_round_trips_the_numbers()
    {
        var r = ContrastStatistics.Compute(Prompts, new Contrast("plain", "fancy"), new ContrastStatisticsOptions(Seed: 7));
        using var doc = JsonDocument.Parse(ContrastStatistics.ToJson(r));
        var root = doc.RootElement;
        Assert.Equal("plain", root.GetProperty("a").GetString());
        Assert.Equal(6, root.GetProperty("feature_count").GetInt32());
        Assert.Equal(2.5, root.GetProperty("side_a").GetProperty("mean_active_count").GetDouble());
        var first = root.GetProperty("features")[0];
        Assert.Equal(3, first.GetProperty("feature").GetInt32());
        Assert.Equal(r.Features[0].FisherQ, first.GetProperty("fisher_q").GetDouble());
        Assert.Equal("a", first.GetProperty("presence_separation").GetString());
        Assert.Equal(0.125, first.GetProperty("paired").GetProperty("sign_p").GetDouble());
    }
}
