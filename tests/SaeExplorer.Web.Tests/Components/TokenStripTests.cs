using Bunit;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Web.Components.Shared;

namespace SaeExplorer.Web.Tests.Components;

public sealed class TokenStripTests : BunitContext
{
    // Three tokens: a template token, then two user tokens; feature 7 fires on tokens 0 and 2 (2.0 and 4.0), feature 3 on token 1.
    private static PromptFeatures Prompt(string[] tokens) => new(
        string.Concat(tokens), "Llama 3.1/3.3 Instruct", [128000, 1, 2], tokens, [1, 2],
        new SparseFeatureMatrix(3, 10, [0, 1, 2, 3], [7, 3, 7], [2f, 1f, 4f]));

    [Fact]
    public void Heat_follows_the_selected_feature_relative_to_its_largest_value()
    {
        var cut = Render<TokenStrip>(ps => ps.Add(p => p.Prompt, Prompt(["<|begin_of_text|>", "Hello", " world"])).Add(p => p.Feature, 7));
        var spans = cut.FindAll("span.saex-token");
        Assert.Equal(3, spans.Count);
        Assert.Equal(["2", "0", "4"], spans.Select(s => s.GetAttribute("data-value")));
        // Alpha is 0.15 + 0.85 × value / max: 0.575 for 2 of 4 and 1 for the maximum; no colour where the feature is off.
        Assert.Contains("rgba(214, 69, 65, 0.575)", spans[0].GetAttribute("style"));
        Assert.True(string.IsNullOrEmpty(spans[1].GetAttribute("style")));
        Assert.Contains("rgba(214, 69, 65, 1.000)", spans[2].GetAttribute("style"));
        Assert.Contains("saex-token-template", spans[0].ClassName);
        Assert.DoesNotContain("saex-token-template", spans[1].ClassName);
        Assert.Equal("token 2 (id 2): feature 7 = 4", spans[2].GetAttribute("title"));
    }

    [Fact]
    public void Token_text_is_escaped_and_whitespace_made_visible()
    {
        var cut = Render<TokenStrip>(ps => ps.Add(p => p.Prompt, Prompt(["<b>x</b>", "\n\n", "  "])));
        var spans = cut.FindAll("span.saex-token");
        Assert.Empty(cut.FindAll("b"));
        Assert.Equal("<b>x</b>", spans[0].TextContent);
        Assert.Equal("↵↵", spans[1].TextContent);
        Assert.Equal("··", spans[2].TextContent);
        Assert.All(spans, s => Assert.True(string.IsNullOrEmpty(s.GetAttribute("style"))));
    }
}
