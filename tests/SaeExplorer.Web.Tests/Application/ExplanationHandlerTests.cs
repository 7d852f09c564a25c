using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Web.Application.Compare;
using SaeExplorer.Web.Application.Features;
using SaeExplorer.Web.Application.Live;
using SaeExplorer.Web.Application.Runs;
using static SaeExplorer.Web.Tests.Application.ExplanationTestData;

namespace SaeExplorer.Web.Tests.Application;

[Collection(DemoRunCollection.Name)]
public sealed class ExplanationHandlerTests(DemoRunFixture demo)
{
    private ExplanationHandlers Handlers => new(demo.Models, demo.Store);

    private string Sae => demo.Models.Current!.SaeFingerprint;

    [Fact]
    public async Task The_query_returns_the_loaded_SAEs_explanations_of_the_feature_newest_first()
    {
        demo.Store.PutExplanation(Refused(Sae, 901, "run-a", "qwen-local", Explained.AddDays(-2)));
        demo.Store.PutExplanation(Scored(Sae, 901));
        demo.Store.PutExplanation(Scored("another-sae", 901, at: Explained.AddDays(1)));
        demo.Store.PutExplanation(Scored(Sae, 902, at: Explained.AddDays(1)));

        var explanations = await Handlers.Handle(new FeatureExplanationsQuery(901), CancellationToken.None);

        Assert.Equal([(Explainer, Run, ExplanationOutcomes.Ok), ("qwen-local", "run-a", ExplanationOutcomes.Refused)],
            explanations.Select(e => (e.ExplainerModel, e.RunId, e.Outcome)));
        Assert.Equal(Text, explanations[0].Text);
        Assert.Equal(12, explanations[0].Score(Core.Analysis.Autointerp.ScoringMethod.Detection)!.Examples.Count);
        Assert.Empty(await Handlers.Handle(new FeatureExplanationsQuery(903), CancellationToken.None));
    }

    [Fact]
    public async Task Accepting_saves_the_text_as_the_label_with_the_explainer_date_and_scores_as_notes()
    {
        demo.Store.PutExplanation(Scored(Sae, 910));

        var accepted = await Handlers.Handle(new AcceptExplanationCommand(910, Run, Explainer, Replace: false), CancellationToken.None);

        Assert.True(accepted.Written);
        Assert.Equal((Text, Notes), (accepted.Label!.Label, accepted.Label.Notes));
        Assert.Equal(accepted.Label, demo.Store.GetLabel(Sae, 910));
    }

    [Fact]
    public async Task A_different_label_of_the_users_is_kept_unless_the_command_says_replace()
    {
        demo.Store.PutExplanation(Scored(Sae, 911));
        await new LabelHandlers(demo.Models, demo.Store).Handle(new SaveLabelCommand(911, "mine", "my notes"), CancellationToken.None);

        var kept = await Handlers.Handle(new AcceptExplanationCommand(911, Run, Explainer, Replace: false), CancellationToken.None);

        Assert.False(kept.Written);
        Assert.Equal(("mine", "my notes"), (kept.Label!.Label, kept.Label.Notes));
        Assert.Equal("mine", demo.Store.GetLabel(Sae, 911)!.Label);

        var replaced = await Handlers.Handle(new AcceptExplanationCommand(911, Run, Explainer, Replace: true), CancellationToken.None);

        Assert.True(replaced.Written);
        // The user's notes stay, below the provenance line; accepting again does not stack provenance lines.
        Assert.Equal((Text, Notes + "\nmy notes"), (demo.Store.GetLabel(Sae, 911)!.Label, demo.Store.GetLabel(Sae, 911)!.Notes));
        await Handlers.Handle(new AcceptExplanationCommand(911, Run, Explainer, Replace: true), CancellationToken.None);
        Assert.Equal(Notes + "\nmy notes", demo.Store.GetLabel(Sae, 911)!.Notes);
    }

    [Fact]
    public async Task An_explanation_without_text_or_one_not_stored_is_refused_and_the_label_left_alone()
    {
        demo.Store.PutExplanation(Refused(Sae, 912, "run-a", "qwen-local", Explained));

        var refused = await Assert.ThrowsAsync<RefusedException>(async () =>
            await Handlers.Handle(new AcceptExplanationCommand(912, "run-a", "qwen-local", Replace: true), CancellationToken.None));
        var missing = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Handlers.Handle(new AcceptExplanationCommand(912, "run-z", "qwen-local", Replace: true), CancellationToken.None));

        Assert.Equal("qwen-local gave no explanation of feature 912 (refused), so there is no text to use as its label.", refused.Message);
        Assert.Equal("feature 912 has no explanation by qwen-local from run run-z.", missing.Message);
        Assert.Null(demo.Store.GetLabel(Sae, 912));
    }

    [Fact]
    public async Task Without_a_loaded_model_both_requests_are_refused_with_the_reason()
    {
        using var none = new LiveModelService();
        var handlers = new ExplanationHandlers(none, demo.Store);

        var query = await Assert.ThrowsAsync<RefusedException>(async () => await handlers.Handle(new FeatureExplanationsQuery(1), CancellationToken.None));
        var accept = await Assert.ThrowsAsync<RefusedException>(async () =>
            await handlers.Handle(new AcceptExplanationCommand(1, Run, Explainer, Replace: true), CancellationToken.None));

        Assert.All([query, accept], e => Assert.StartsWith("no model is loaded yet", e.Message));
    }

    [Fact]
    public async Task The_comparison_and_the_live_table_carry_each_features_newest_explanation_and_export_it()
    {
        var views = new RunViewCache(demo.Models);
        CompareConditionsHandler Compare() => new(demo.Runs, views, demo.Models, demo.Store);
        AnalyzePromptHandler Live() => new(demo.Models, demo.Store);
        var query = new CompareConditionsQuery(demo.RunId, PoolingMethod.User, "novice", "expert");
        int top = (await Compare().Handle(query, CancellationToken.None)).Statistics.Features[0].Feature;
        demo.Store.PutExplanation(Scored(Sae, top, run: "run-a", at: Explained.AddDays(-1)) with { Text = "older" });
        demo.Store.PutExplanation(Scored(Sae, top));

        var comparison = await Compare().Handle(query, CancellationToken.None);
        var row = DifferentialTable.Rows(comparison.Statistics, comparison.Labels, comparison.Explanations, 1).Single(r => r.Feature == top);

        Assert.Equal((Text, Run), (comparison.Explanations[top].Text, comparison.Explanations[top].RunId));
        Assert.Equal(Text, row.Explanation!.Text);
        Assert.Equal(0.8167, row.Explanation.Detection!.Value, 4);

        var input = new AnalyzePromptQuery(new PromptInput("Explain photosynthesis to a novice."), PoolingMethod.User);
        int first = (await Live().Handle(input, CancellationToken.None)).Top[0].Feature;
        demo.Store.PutExplanation(Scored(Sae, first));

        var analysis = await Live().Handle(input, CancellationToken.None);
        var shown = analysis.Top.Single(f => f.Feature == first);
        var table = LiveFeatureTable.ToTable(analysis);

        Assert.Equal(Text, shown.Explanation!.Text);
        Assert.Equal(["feature", "label", "explanation", "explanation_detection", "value", "tokens_active", "pooling"], table.Headers);
        var cells = table.Rows.Single(r => (int)r[0]! == first);
        Assert.Equal(Text, cells[2]);
        Assert.Equal(0.8167, (double)cells[3]!, 4);
        // Attached by feature: a shown feature that was never explained has none.
        Assert.Null(analysis.Top.First(f => demo.Store.GetExplanations(Sae, f.Feature).Count == 0).Explanation);
    }
}
