using Bunit;
using SaeExplorer.Core.Features;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Live;
using SaeExplorer.Web.Components.Shared;

namespace SaeExplorer.Web.Tests.Components;

public sealed class TokenStripTests : BunitContext
{
    // Three tokens: a template token, then two user tokens; feature 7 fires on tokens 0 and 2 (2.0 and 4.0), feature 3 on token 1.
    private static PromptFeatures Prompt(string[] tokens) => new(
        string.Concat(tokens), "Llama 3.1/3.3 Instruct", [128000, 1, 2], tokens, [1, 2],
        new SparseFeatureMatrix(3, 10, [0, 1, 2, 3], [7, 3, 7], [2f, 1f, 4f]));

    private static TokenPiece[] Pieces(string[] tokens) => [.. tokens.Select(t => new TokenPiece(t))];

    [Fact]
    public void Heat_follows_the_selected_feature_relative_to_its_largest_value()
    {
        string[] tokens = ["<|begin_of_text|>", "Hello", " world"];
        var cut = Render<TokenStrip>(ps => ps.Add(p => p.Prompt, Prompt(tokens)).Add(p => p.Pieces, Pieces(tokens)).Add(p => p.Feature, 7));
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
        string[] tokens = ["<b>x</b>", "\n\n", "  "];
        var cut = Render<TokenStrip>(ps => ps.Add(p => p.Prompt, Prompt(tokens)).Add(p => p.Pieces, Pieces(tokens)));
        var spans = cut.FindAll("span.saex-token");
        Assert.Empty(cut.FindAll("b"));
        Assert.Equal("<b>x</b>", spans[0].TextContent);
        Assert.Equal("↵↵", spans[1].TextContent);
        Assert.Equal("··", spans[2].TextContent);
        Assert.All(spans, s => Assert.True(string.IsNullOrEmpty(s.GetAttribute("style"))));
    }

    [Fact]
    public void A_character_split_over_tokens_reads_on_its_first_token_and_each_token_keeps_its_heat_and_names_its_bytes()
    {
        // "🎉" as F0 9F | 8E 89 after the template token: one emoji on token 1, token 2 continues it.
        var pieces = TokenPieces.Of([null, [0xF0, 0x9F], [0x8E, 0x89]], _ => "<|begin_of_text|>");
        var cut = Render<TokenStrip>(ps => ps.Add(p => p.Prompt, Prompt(["<|begin_of_text|>", "\uFFFD", "\uFFFD"])).Add(p => p.Pieces, pieces).Add(p => p.Feature, 7));
        var spans = cut.FindAll("span.saex-token");

        Assert.Equal(3, spans.Count);
        Assert.Equal(["<|begin_of_text|>", "🎉", ""], spans.Select(s => s.TextContent));
        Assert.Equal(["2", "0", "4"], spans.Select(s => s.GetAttribute("data-value")));
        Assert.Equal("token 1 (id 1), bytes <0xF0><0x9F>: feature 7 = 0", spans[1].GetAttribute("title"));
        Assert.Equal("token 2 (id 2), bytes <0x8E><0x89>, part of the text on token 1: feature 7 = 4", spans[2].GetAttribute("title"));
        Assert.Contains("saex-token-continues", spans[2].ClassName);
        Assert.DoesNotContain("saex-token-continues", spans[1].ClassName);
    }
}
