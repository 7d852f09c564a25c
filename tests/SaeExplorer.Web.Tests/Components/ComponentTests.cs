using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Web.Components.Pages.Compare;
using SaeExplorer.Web.Components.Pages.Feature;

namespace SaeExplorer.Web.Tests.Components;

public sealed class ComponentTests : BunitContext
{
    public ComponentTests()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void A_context_tints_every_token_outlines_its_peak_and_shows_markup_as_text()
    {
        var window = new HeatWindow("novice/html", "novice", 3, 1, ["<b id=\"x\">bold</b> ", "<script>", " & more"], [0.5f, 1.25f, 0f]);

        var list = Render<ContextList>(p => p.Add(c => c.Windows, [window]));

        var cell = list.Find("td.saex-context");
        Assert.Equal("<b id=\"x\">bold</b> <script> & more", cell.TextContent);
        Assert.Equal("<script>", cell.QuerySelector(".saex-heat-peak")!.TextContent);
        Assert.Empty(list.FindAll("#x"));
        Assert.Empty(list.FindAll("script"));
        // Every token carries its value, not only the peak; the row names the peak's position in the prompt (3 + 1).
        Assert.Equal(["0.5", "1.25", "0"], cell.QuerySelectorAll("[data-value]").Select(e => e.GetAttribute("data-value")));
        Assert.Contains("token 4", list.Find("tr[data-testid=context-row]").TextContent);
        Assert.Contains("1.25", list.Find("tr[data-testid=context-row]").TextContent);
    }

    [Fact]
    public void An_aligned_diff_row_lists_gained_and_lost_features_strongest_first_with_links()
    {
        var entry = new TokenDiffEntry(TokenDiffKind.Aligned, 3, 4, " novice", "user",
            [new FeatureValue(10, 0.5f), new FeatureValue(11, 2f)], [new FeatureValue(20, 1f)], [new FeatureChange(30, 1f, 3f)]);

        var row = Render<TokenDiffRow>(p => p.Add(r => r.Entry, entry).Add(r => r.Labels, new Dictionary<int, string> { [11] = "audience" }));

        var gained = row.FindAll("[data-testid=diff-gained] a");
        Assert.Equal(["+11", "+10"], gained.Select(a => a.TextContent.Trim()));
        Assert.Equal("/feature/11", gained[0].GetAttribute("href"));
        Assert.Contains("audience", gained[0].GetAttribute("title"));
        Assert.Equal("−20", row.Find("[data-testid=diff-lost] a").TextContent.Trim());
        Assert.Equal("1 changed", row.Find("[data-testid=diff-changed]").TextContent.Trim());
        Assert.Equal("aligned", row.Find("tr").GetAttribute("data-kind"));
        Assert.Equal("user", row.Find(".saex-diff-segment").TextContent);
        Assert.Equal([" novice", " novice"], row.FindAll(".saex-diff-token").Select(t => t.TextContent));
    }

    [Fact]
    public void A_deleted_template_row_shows_the_token_on_A_only_greyed_and_counts_what_is_cut()
    {
        var lost = Enumerable.Range(0, TokenDiffRow.Shown + 3).Select(i => new FeatureValue(i, i)).ToList();
        var entry = new TokenDiffEntry(TokenDiffKind.Deleted, 2, null, "\n\n", "template", [], lost, []);

        var row = Render<TokenDiffRow>(p => p.Add(r => r.Entry, entry));

        var tr = row.Find("tr");
        Assert.Contains("saex-token-template", tr.ClassName);
        Assert.Equal(["↵↵", ""], row.FindAll(".saex-diff-token").Select(t => t.TextContent));
        Assert.Equal(TokenDiffRow.Shown, row.FindAll("[data-testid=diff-lost] a").Count);
        Assert.Contains("… 3 more", row.Find("[data-testid=diff-lost]").TextContent);
        Assert.Equal($"−{TokenDiffRow.Shown + 2}", row.FindAll("[data-testid=diff-lost] a")[0].TextContent.Trim());
    }

    [Fact]
    public void The_few_prompts_warning_names_each_side_under_ten_prompts_with_its_count()
    {
        var small = Application.CompareFiguresTests.Report("novice", "expert", 4, 50);
        var both = Application.CompareFiguresTests.Report("novice", null, 9, 1);
        var enough = Application.CompareFiguresTests.Report("novice", "expert", 10, 50);

        var one = Render<FewPromptsWarning>(p => p.Add(w => w.Report, small));
        var two = Render<FewPromptsWarning>(p => p.Add(w => w.Report, both));
        var none = Render<FewPromptsWarning>(p => p.Add(w => w.Report, enough));

        static string Text(AngleSharp.Dom.IElement e) => string.Join(' ', e.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var warning = one.Find("[data-testid=few-prompts-warning]");
        Assert.StartsWith("novice has only 4 prompts (fewer than 10):", Text(warning));
        Assert.Contains("mud-alert-text-warning", one.Find(".mud-alert").ClassName);
        var warnings = two.FindAll("[data-testid=few-prompts-warning]");
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("novice has only 9 prompts", Text(warnings[0]));
        Assert.StartsWith("rest has only 1 prompt (", Text(warnings[1]));
        Assert.Empty(none.FindAll("[data-testid=few-prompts-warning]"));
    }
}
