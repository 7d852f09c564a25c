using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Web.Components.Pages.Feature;
using SaeExplorer.Web.Components.Shared;
using static SaeExplorer.Web.Tests.Application.ExplanationTestData;

namespace SaeExplorer.Web.Tests.Components;

public sealed class ExplanationComponentTests : BunitContext
{
    public ExplanationComponentTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Example_tokens_are_tinted_in_proportion_to_the_largest_value_and_marked_ones_boxed()
    {
        var example = new FeatureExample("d", "novice", ExampleDocument.PromptSource, ExampleKind.Activating, 1, 0, ["<b>x</b>", " one", " four", "\n"], [0f, 1f, 4f, 0f]);

        var cut = Render<HeatTokens>(p => p.Add(e => e.Tokens, example.Tokens).Add(e => e.Values, example.Activations).Add(e => e.Max, 8f).Add(e => e.Marked, [0]));

        var tokens = cut.FindAll("[data-value]");
        Assert.Equal(["<b>x</b>", " one", " four", "↵"], tokens.Select(t => t.TextContent));
        Assert.Empty(cut.FindAll("b"));
        Assert.Equal("<b>x</b> one four↵", cut.Find("[data-testid=heat-tokens]").TextContent);
        // Alpha is value / max: 1/8 and 4/8; nothing where the feature is 0 unless the token is marked.
        Assert.Equal("outline: 1px solid #1b1b1b; text-decoration: underline", tokens[0].GetAttribute("style"));
        Assert.Equal("background-color: rgba(214, 69, 65, 0.125)", tokens[1].GetAttribute("style"));
        Assert.Equal("background-color: rgba(214, 69, 65, 0.500)", tokens[2].GetAttribute("style"));
        Assert.Null(tokens[3].GetAttribute("style"));
        Assert.Equal(["activation 0 · marked for the scorer", "activation 1", "activation 4", "activation 0"], tokens.Select(t => t.GetAttribute("title")));
        Assert.Equal(["true", null, null, null], tokens.Select(t => t.GetAttribute("data-marked")));
    }

    [Theory]
    [InlineData(ExplanationOutcomes.Unparseable, "No explanation: qwen-local's reply could not be read as one.")]
    [InlineData(ExplanationOutcomes.Silent, "No explanation: the feature fires in none of the 300 documents of run run-a, so there was nothing to explain.")]
    public void An_explanation_that_did_not_come_says_why_and_offers_nothing_to_accept(string outcome, string message)
    {
        var refused = Refused("sae", 7, "run-a", "qwen-local", Explained) with { Outcome = outcome };

        var cut = Render<ExplanationCard>(p => p.Add(c => c.Feature, 7).Add(c => c.Explanations, [refused]));

        Assert.Equal(message, cut.Find("[data-testid=explanation-outcome]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=accept-explanation]"));
        Assert.Empty(cut.FindAll("[data-testid=score-badge]"));
    }

    [Fact]
    public void A_score_without_negatives_answered_has_no_balanced_accuracy_and_says_so()
    {
        var scored = Scored("sae", 7);
        var onlyPositives = scored.Scores[0] with { Result = ClassificationScore.From([(true, true), (false, null)]) };

        var cut = Render<ExplanationCard>(p => p.Add(c => c.Feature, 7).Add(c => c.Explanations, [scored with { Scores = [onlyPositives] }]));

        var badge = cut.Find("[data-testid=score-badge]");
        Assert.Equal("detection —", badge.TextContent);
        Assert.EndsWith("No balanced accuracy: the answered questions lack positives or negatives. 2 questions, 1 unanswered.", badge.GetAttribute("title"));
    }

    [Fact]
    public void A_table_cell_shows_the_label_first_then_the_explanation_after_its_score_and_an_accepted_one_once()
    {
        var summary = ExplanationSummary.From(Scored("sae", 7));

        var both = Render<FeatureLabelCell>(p => p.Add(c => c.Label, "mine").Add(c => c.Explanation, summary));
        var accepted = Render<FeatureLabelCell>(p => p.Add(c => c.Label, Text).Add(c => c.Explanation, summary));
        var neither = Render<FeatureLabelCell>(p => p.Add(c => c.Empty, "—"));

        Assert.Equal(["B", "DIV"], both.Nodes.OfType<AngleSharp.Dom.IElement>().Select(e => e.TagName));
        Assert.Equal(("mine", "0.82", Text), (both.Find("[data-testid=label-text]").TextContent, both.Find("[data-testid=explanation-score]").TextContent,
            both.Find("[data-testid=explanation-text]").TextContent));
        Assert.Empty(both.FindAll("[data-testid=explanation-text] b"));
        Assert.Equal((Text, "0.82"), (accepted.Find("[data-testid=label-text]").TextContent, accepted.Find("[data-testid=explanation-score]").TextContent));
        Assert.Empty(accepted.FindAll("[data-testid=explanation-text]"));
        Assert.Equal("—", neither.Markup.Trim());
    }

    [Fact]
    public void Without_explanations_the_card_says_how_to_make_one()
    {
        var cut = Render<ExplanationCard>(p => p.Add(c => c.Feature, 3071).Add(c => c.Explanations, []));

        Assert.Equal("No explanation yet — saex explain --store … --run … --features 3071 writes one.",
            string.Join(' ', cut.Find("[data-testid=explanation-none]").TextContent.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)));
    }
}
