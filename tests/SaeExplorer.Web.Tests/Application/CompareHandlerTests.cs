using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Web.Application.Compare;
using SaeExplorer.Web.Application.Features;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Tests.Application;

[Collection(DemoRunCollection.Name)]
public sealed class CompareHandlerTests(DemoRunFixture demo)
{
    private CompareConditionsHandler CompareHandler(RunViewCache? views = null) => new(demo.Runs, views ?? new RunViewCache(demo.Models), demo.Models, demo.Store);

    [Theory]
    [InlineData(PoolingMethod.User, "novice", "expert")]
    [InlineData(PoolingMethod.Max, "padding", null)]
    public async Task The_comparison_equals_the_Core_analyses_on_the_same_run(PoolingMethod pooling, string a, string? b)
    {
        var run = await demo.Runs.OpenAsync(demo.RunId, CancellationToken.None);
        var pooled = run.Pooled(pooling);
        var contrast = new Contrast(a, b);
        var expectedStats = ContrastStatistics.Compute(pooled, contrast);
        var expectedSummary = FeatureDiff.Compare(pooled, contrast);

        var result = await CompareHandler().Handle(new CompareConditionsQuery(demo.RunId, pooling, a, b), CancellationToken.None);

        Assert.Equal(ContrastStatistics.ToJson(expectedStats), ContrastStatistics.ToJson(result.Statistics));
        Assert.Equal(expectedSummary.UnionA, result.Summary.UnionA);
        Assert.Equal(expectedSummary.ExclusiveToA, result.Summary.ExclusiveToA);
        Assert.Equal(expectedSummary.ExclusiveToB, result.Summary.ExclusiveToB);
        Assert.Equal(expectedSummary.AlwaysANeverB.Select(f => f.Feature), result.Summary.AlwaysANeverB.Select(f => f.Feature));
        Assert.True(result.Statistics.TestedCount > 0, "the demo run has active features");
        // The exclusive lists are the report's latents active on one side only, as many as fit.
        Assert.Equal(Math.Min(expectedSummary.ExclusiveToA, CompareConditionsHandler.ExclusiveShown), result.ExclusiveToA.Count);
        Assert.All(result.ExclusiveToA, f => Assert.Equal(0, expectedStats.Features.Single(x => x.Feature == f.Feature).ActiveB));
    }

    [Fact]
    public async Task Condition_counts_equal_ConditionActivities_for_all_six_conditions()
    {
        var run = await demo.Runs.OpenAsync(demo.RunId, CancellationToken.None);
        var expected = ConditionActivities.Compute(run.Pooled(PoolingMethod.Mean), run.ConditionOrder);

        var counts = await new ConditionCountsHandler(demo.Runs, new RunViewCache(demo.Models)).Handle(new ConditionCountsQuery(demo.RunId, PoolingMethod.Mean), CancellationToken.None);

        Assert.Equal(["standard", "padding", "spaces", "novice", "expert", "guru"], counts.Select(c => c.Condition));
        Assert.Equal(expected, counts);
        Assert.Equal(TableExporter.ToCsv(AnalysisTables.ConditionCounts(expected)), TableExporter.ToCsv(AnalysisTables.ConditionCounts(counts)));
    }

    [Fact]
    public async Task A_second_request_is_answered_from_the_cache_with_the_same_objects()
    {
        var views = new RunViewCache(demo.Models);
        var handler = CompareHandler(views);
        var query = new CompareConditionsQuery(demo.RunId, PoolingMethod.User, "guru", "standard");

        var first = await handler.Handle(query, CancellationToken.None);
        var second = await handler.Handle(query, CancellationToken.None);
        var other = await handler.Handle(query with { B = null }, CancellationToken.None);

        Assert.Same(first.Statistics, second.Statistics);
        Assert.NotSame(first.Statistics, other.Statistics);
        Assert.Equal("rest", other.Statistics.B.Name);
    }

    [Theory]
    [InlineData("novice", "novice", "both")]
    [InlineData("nobody", null, "no condition 'nobody'")]
    public async Task Bad_conditions_are_refused_with_a_message(string a, string? b, string message)
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(async () => await CompareHandler().Handle(new CompareConditionsQuery(demo.RunId, PoolingMethod.User, a, b), CancellationToken.None));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task The_differential_table_filters_by_q_and_exports_the_rows_shown()
    {
        var result = await CompareHandler().Handle(new CompareConditionsQuery(demo.RunId, PoolingMethod.User, "padding", null), CancellationToken.None);
        int first = result.Statistics.Features[0].Feature;
        var labels = new Dictionary<int, string> { [first] = "a label, with a comma" };
        var explanations = new Dictionary<int, ExplanationSummary>
        {
            [first] = new(first, "an explanation, with a comma", 0.8125, 0.75, "deepseek-chat", "run-1", DateTimeOffset.UnixEpoch),
        };

        var all = DifferentialTable.Rows(result.Statistics, labels, explanations, 1);
        var strict = DifferentialTable.Rows(result.Statistics, labels, explanations, 0.05);

        Assert.Equal(result.Statistics.TestedCount, all.Count);
        Assert.All(strict, r => Assert.True(Math.Min(r.FisherQ, r.MannWhitneyQ) <= 0.05));
        Assert.Equal(result.Statistics.Features.Count(f => Math.Min(f.FisherQ, f.MannWhitneyQ) <= 0.05), strict.Count);
        Assert.Equal("a label, with a comma", all[0].Label);
        var csv = TableExporter.ToCsv(DifferentialTable.ToTable(all)).Split("\r\n");
        Assert.Equal(string.Join(',', DifferentialTable.Columns), csv[0]);
        Assert.StartsWith($"{first},\"a label, with a comma\",\"an explanation, with a comma\",0.8125,", csv[1]);
        Assert.Null(all[1].Explanation);
    }

    [Fact]
    public async Task Paired_topics_pair_all_50_topics_with_each_prompts_pooled_count_or_feature_value()
    {
        var run = await demo.Runs.OpenAsync(demo.RunId, CancellationToken.None);
        var pooled = run.Pooled(PoolingMethod.Max);
        var handler = new PairedTopicsHandler(demo.Runs, new RunViewCache(demo.Models));

        var counts = await handler.Handle(new PairedTopicsQuery(demo.RunId, PoolingMethod.Max, "novice", "guru", null), CancellationToken.None);

        Assert.Equal(50, counts.Pairs.Count);
        Assert.Equal(0, counts.LeftOut);
        Assert.Equal(pooled.Where(p => p.Condition == "novice").Select(p => p.Topic), counts.Pairs.Select(p => p.Topic));
        PooledPrompt Of(string condition, string topic) => pooled.Single(p => p.Condition == condition && p.Topic == topic);
        Assert.All(counts.Pairs, p => Assert.Equal((Of("novice", p.Topic).Features.ActiveCount, Of("guru", p.Topic).Features.ActiveCount), ((int)p.A, (int)p.B)));

        var topic = counts.Pairs[0].Topic;
        int feature = Of("guru", topic).Features.Indices[0];
        var values = await handler.Handle(new PairedTopicsQuery(demo.RunId, PoolingMethod.Max, "novice", "guru", feature), CancellationToken.None);
        Assert.Equal($"feature {feature}", values.Metric);
        Assert.Equal((double)Of("guru", topic).Features.Values[0], values.Pairs[0].B);
        static double Value(PooledPrompt p, int f) => Array.IndexOf(p.Features.Indices, f) is var k and >= 0 ? p.Features.Values[k] : 0;
        Assert.All(values.Pairs, p => Assert.Equal((Value(Of("novice", p.Topic), feature), Value(Of("guru", p.Topic), feature)), (p.A, p.B)));

        var e = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await handler.Handle(new PairedTopicsQuery(demo.RunId, PoolingMethod.Max, "novice", "guru", 4096), CancellationToken.None));
        Assert.Contains("outside the SAE's 0..4095", e.Message);
    }

    [Fact]
    public async Task The_default_diff_pair_is_novice_and_expert_of_the_first_topic()
    {
        var outline = await new RunOutlineHandler(demo.Runs).Handle(new RunOutlineQuery(demo.RunId), CancellationToken.None);
        var a = outline.Prompts.Single(p => p.Id == outline.DefaultDiffA);
        var b = outline.Prompts.Single(p => p.Id == outline.DefaultDiffB);

        Assert.Equal(300, outline.Prompts.Count);
        Assert.Equal(("novice", "expert"), (a.Condition, b.Condition));
        Assert.Equal(a.Topic, b.Topic);
        Assert.Equal(4096, outline.FeatureCount);

        var diff = await new PromptDiffHandler(demo.Runs, demo.Models).Handle(new PromptDiffQuery(demo.RunId, a.Id, b.Id), CancellationToken.None);
        // "… to a novice." vs "… to an expert.": the template and the shared words align, the audience words do not.
        Assert.Contains(diff.Entries, e => e.Kind == TokenDiffKind.Deleted && e.Token.Contains("novice"));
        Assert.Contains(diff.Entries, e => e.Kind == TokenDiffKind.Inserted && e.Token.Contains("expert"));
        Assert.Contains(diff.Entries, e => e.Kind == TokenDiffKind.Aligned && e.Segment == "template");
    }

    [Fact]
    public async Task A_typed_text_is_diffed_as_the_run_would_have_sent_it()
    {
        var outline = await new RunOutlineHandler(demo.Runs).Handle(new RunOutlineQuery(demo.RunId), CancellationToken.None);
        var run = await demo.Runs.OpenAsync(demo.RunId, CancellationToken.None);
        var b = run.Result.Prompts.Single(p => p.Prompt.Id == outline.DefaultDiffB);
        var handler = new PromptDiffHandler(demo.Runs, demo.Models);

        var stored = await handler.Handle(new PromptDiffQuery(demo.RunId, outline.DefaultDiffA, outline.DefaultDiffB), CancellationToken.None);
        var typed = await handler.Handle(new PromptDiffQuery(demo.RunId, outline.DefaultDiffA, "", b.Prompt.UserText), CancellationToken.None);

        // B's own words typed: rendered with the run's chat format and A's system prompt they are B's tokens exactly, so the
        // diff aligns the same tokens in the same places (the features may differ in the last digits: batch of one).
        Assert.Equal(stored.Entries.Select(e => (e.Kind, e.Token, e.Segment)), typed.Entries.Select(e => (e.Kind, e.Token, e.Segment)));
        Assert.Equal(stored.AlignedCount, typed.AlignedCount);

        var other = await handler.Handle(new PromptDiffQuery(demo.RunId, outline.DefaultDiffA, "", "Explain it to a banana."), CancellationToken.None);
        Assert.Contains(other.Entries, e => e.Kind == TokenDiffKind.Inserted && e.Token == " banana");

        // A character split over byte-level tokens reads once, on its first token, not as "�" per piece (#14 A13).
        var emoji = await handler.Handle(new PromptDiffQuery(demo.RunId, outline.DefaultDiffA, "", "Explain it to a 🦘."), CancellationToken.None);
        var inserted = emoji.Entries.Where(e => e.Kind == TokenDiffKind.Inserted).Select(e => e.Token).ToList();
        Assert.Contains(inserted, t => t.Contains("🦘", StringComparison.Ordinal));
        Assert.DoesNotContain(emoji.Entries, e => e.Token.Contains('\uFFFD'));
    }

    [Fact]
    public async Task Feature_detail_matches_the_Core_analyses_and_an_index_out_of_range_is_a_message()
    {
        var handler = new FeatureDetailHandler(demo.Runs, new RunViewCache(demo.Models), demo.Models, demo.Store);
        var compare = await CompareHandler().Handle(new CompareConditionsQuery(demo.RunId, PoolingMethod.User, "padding", null), CancellationToken.None);
        int feature = compare.Statistics.Features[0].Feature;
        var run = await demo.Runs.OpenAsync(demo.RunId, CancellationToken.None);

        var detail = await handler.Handle(new FeatureDetailQuery(feature, demo.RunId, PoolingMethod.User), CancellationToken.None);

        var expected = FeatureDistributions.Compute(run.Pooled(PoolingMethod.User), [feature])[0];
        Assert.Null(detail.Problem);
        Assert.Equal(FeatureDistributions.ToJson([expected]), FeatureDistributions.ToJson([detail.Run!.Distribution]));
        Assert.NotEmpty(detail.Run.Contexts.Top);
        Assert.All(detail.Run.Contexts.Top, c => Assert.Equal(c.Left + "[[" + c.TokenText + "]]" + c.Right, c.Marked));

        var outside = await handler.Handle(new FeatureDetailQuery(4096, demo.RunId, PoolingMethod.User), CancellationToken.None);
        Assert.Equal("Feature 4096 does not exist: the loaded SAE has 4096 features, numbered 0 to 4095.", outside.Problem);
        Assert.Null(outside.Run);
    }

    [Fact]
    public async Task Promoted_tokens_are_the_largest_logits_as_text()
    {
        var lists = await new PromotedTokensHandler(demo.Models).Handle(new PromotedTokensQuery(5, 10), CancellationToken.None);

        Assert.Equal(10, lists.Promoted.Count);
        Assert.Equal(10, lists.Suppressed.Count);
        Assert.Equal(lists.Promoted.Select(t => t.Logit).OrderDescending(), lists.Promoted.Select(t => t.Logit));
        Assert.True(lists.Promoted[^1].Logit > lists.Suppressed[0].Logit);
        Assert.Equal(demo.Models.TokenTexts([lists.Promoted[0].TokenId])[0], lists.Promoted[0].Text);
    }

    [Fact]
    public async Task Saving_and_importing_labels_goes_to_the_loaded_SAE_and_shows_in_the_comparison()
    {
        var handlers = new LabelHandlers(demo.Models, demo.Store);
        string sae = demo.Models.Current!.SaeFingerprint;

        var saved = await handlers.Handle(new SaveLabelCommand(77, "  questions  ", "seen on '?'"), CancellationToken.None);
        int imported = await handlers.Handle(new ImportLabelsCommand("""[{"index": 78, "label": "imported"}]"""), CancellationToken.None);

        Assert.Equal(("questions", "seen on '?'"), (saved!.Label, saved.Notes));
        Assert.Equal(saved, demo.Store.GetLabel(sae, 77));
        Assert.Equal(1, imported);
        Assert.Equal("imported", demo.Store.GetLabel(sae, 78)!.Label);
        var compare = await CompareHandler().Handle(new CompareConditionsQuery(demo.RunId, PoolingMethod.User, "novice", null), CancellationToken.None);
        Assert.Equal("questions", compare.Labels[77]);
        await Assert.ThrowsAsync<LabelImportException>(async () => await handlers.Handle(new ImportLabelsCommand("""[{"index": 4096, "label": "x"}]"""), CancellationToken.None));

        Assert.Null(await handlers.Handle(new SaveLabelCommand(77, "", " "), CancellationToken.None));
        Assert.Null(demo.Store.GetLabel(sae, 77));
    }
}
