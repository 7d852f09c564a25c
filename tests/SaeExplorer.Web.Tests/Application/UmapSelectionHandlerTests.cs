using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Web.Application.Compare;
using SaeExplorer.Web.Application.Features;
using SaeExplorer.Web.Application.Runs;
using SaeExplorer.Web.Application.Umap;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>The UMAP page's selection comparison and feature colouring on the demo run, against the Compare and Feature pages' handlers.</summary>
[Collection(DemoRunCollection.Name)]
public sealed class UmapSelectionHandlerTests(DemoRunFixture demo)
{
    [Fact]
    public async Task Selecting_every_novice_prompt_gives_the_compare_pages_novice_versus_rest_latents()
    {
        var run = await demo.Runs.OpenAsync(demo.RunId, CancellationToken.None);
        var novice = run.Result.Prompts.Where(p => p.Prompt.Condition == "novice").Select(p => p.Prompt.Id).Reverse().ToList();
        var views = new RunViewCache(demo.Models);

        var selection = await new CompareSelectionHandler(demo.Runs, views).Handle(new CompareSelectionQuery(demo.RunId, PoolingMethod.User, novice), CancellationToken.None);
        var byCondition = await new CompareConditionsHandler(demo.Runs, views, demo.Models, demo.Store)
            .Handle(new CompareConditionsQuery(demo.RunId, PoolingMethod.User, "novice", null), CancellationToken.None);

        Assert.Equal(CompareSelectionHandler.Shown, selection.Top.Count);
        Assert.Equal(byCondition.Statistics.Features.Take(CompareSelectionHandler.Shown), selection.Top);
        Assert.Equal(byCondition.Statistics.TestedCount, selection.TestedCount);
        Assert.Equal(("selection", 50, "rest", 250), (selection.Selection.Name, selection.Selection.PromptCount, selection.Rest.Name, selection.Rest.PromptCount));
        // The seed run's styles differ: the top latent's difference is significant after correction.
        Assert.True(selection.Top[0].FisherQ < 0.05, $"Fisher q {selection.Top[0].FisherQ}");
    }

    [Fact]
    public async Task A_hand_picked_selection_gives_the_core_statistics_and_repeats_come_from_the_cache()
    {
        var run = await demo.Runs.OpenAsync(demo.RunId, CancellationToken.None);
        var ids = run.Result.Prompts.Where(p => p.Prompt.Topic == run.Result.Prompts[0].Prompt.Topic || p.Prompt.Condition == "guru")
            .Select(p => p.Prompt.Id).ToList();
        var expected = ContrastStatistics.ComputeSelection(run.Pooled(PoolingMethod.Max), ids);
        var handler = new CompareSelectionHandler(demo.Runs, new RunViewCache(demo.Models));

        var first = await handler.Handle(new CompareSelectionQuery(demo.RunId, PoolingMethod.Max, ids), CancellationToken.None);
        // The same prompts in another order, one of them twice: the same selection.
        var again = await handler.Handle(new CompareSelectionQuery(demo.RunId, PoolingMethod.Max, [.. Enumerable.Reverse(ids), ids[0]]), CancellationToken.None);

        Assert.Equal(expected.Features.Take(CompareSelectionHandler.Shown), first.Top);
        Assert.Equal((55, 245), (first.Selection.PromptCount, first.Rest.PromptCount));
        Assert.Equal(first.Top, again.Top);
        Assert.Same(first.Selection, again.Selection);

        var e = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await handler.Handle(new CompareSelectionQuery(demo.RunId, PoolingMethod.Max, ["novice/no-such-topic"]), CancellationToken.None));
        Assert.Contains("'novice/no-such-topic'", e.Message);
    }

    [Fact]
    public async Task Feature_values_are_the_feature_pages_values_prompt_by_prompt()
    {
        var views = new RunViewCache(demo.Models);
        var top = await new CompareConditionsHandler(demo.Runs, views, demo.Models, demo.Store)
            .Handle(new CompareConditionsQuery(demo.RunId, PoolingMethod.User, "standard", null), CancellationToken.None);
        int feature = top.Statistics.Features[0].Feature;

        var values = await new UmapFeatureValuesHandler(demo.Runs, views).Handle(new UmapFeatureValuesQuery(demo.RunId, PoolingMethod.User, feature), CancellationToken.None);
        var detail = await new FeatureDetailHandler(demo.Runs, views, demo.Models, demo.Store)
            .Handle(new FeatureDetailQuery(feature, demo.RunId, PoolingMethod.User), CancellationToken.None);

        var conditions = detail.Run!.Distribution.Conditions;
        Assert.Equal(300, values.ByPrompt.Count);
        foreach (var c in conditions)
        {
            for (int i = 0; i < c.PromptIds.Count; i++)
                Assert.Equal(c.Values[i], values.ByPrompt[c.PromptIds[i]]);
        }
        Assert.Equal(conditions.Max(c => c.MaxWhenActive ?? 0), values.Max);
        Assert.Equal(conditions.Sum(c => c.ActiveCount), values.ActiveCount);
        Assert.True(values.ActiveCount > 0, "the most significant latent of a contrast fires somewhere");
    }
}
