using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Web.Application.Live;

namespace SaeExplorer.Web.Tests.Application;

[Collection(DemoRunCollection.Name)]
public sealed class AnalyzePromptHandlerTests(DemoRunFixture demo)
{
    private Task<LiveAnalysis> Analyze(string text, PoolingMethod pooling) =>
        new AnalyzePromptHandler(demo.Models, demo.Store).Handle(new AnalyzePromptQuery(new PromptInput(text), pooling), CancellationToken.None).AsTask();

    /// <summary>On how many of <paramref name="tokens"/> the feature fires, from the per-token features themselves.</summary>
    private static int ActiveOn(PromptFeatures prompt, int feature, IEnumerable<int> tokens) =>
        tokens.Count(t => prompt.FeatureAtTokens(feature)[t] != 0);

    [Fact]
    public async Task Tokens_active_counts_the_tokens_the_pooling_reads()
    {
        const string Text = "Explain how a hash map handles collisions.";
        var user = await Analyze(Text, PoolingMethod.User);
        var prompt = user.Prompt;
        int all = prompt.Tokens.Length;
        var message = prompt.UserTokenPositions;

        Assert.Equal(message.Length, user.PooledTokens);
        Assert.InRange(user.PooledTokens, 5, all - 1);
        Assert.All(user.Top, f => Assert.Equal(ActiveOn(prompt, f.Feature, message), f.ActiveTokens));
        // The template's tokens are not counted: some feature shown fires on more tokens than the message's alone.
        Assert.Contains(user.Top, f => ActiveOn(prompt, f.Feature, Enumerable.Range(0, all)) > f.ActiveTokens);
        var first = user.Top[0];
        Assert.Equal($"active on {first.ActiveTokens} of your message's {message.Length} tokens", user.ActiveOn(first));

        var mean = await Analyze(Text, PoolingMethod.Mean);
        Assert.Equal(all, mean.PooledTokens);
        Assert.All(mean.Top, f => Assert.Equal(ActiveOn(mean.Prompt, f.Feature, Enumerable.Range(0, all)), f.ActiveTokens));
        Assert.Equal($"all {all} tokens", mean.PooledTokensName);

        var last = await Analyze(Text, PoolingMethod.Last);
        Assert.Equal(1, last.PooledTokens);
        Assert.All(last.Top, f => Assert.Equal(1, f.ActiveTokens));
        Assert.Equal("active on the last token", last.ActiveOn(last.Top[0]));
    }

    [Fact]
    public async Task An_emoji_split_over_byte_tokens_reads_once_and_its_tokens_carry_their_bytes()
    {
        var analysis = await Analyze("Party time 🎉🎉 and 日本語", PoolingMethod.User);

        Assert.Equal(analysis.Prompt.Tokens.Length, analysis.Pieces.Count);
        Assert.Contains(analysis.Prompt.Tokens, t => t.Contains('\uFFFD'));
        string shown = string.Concat(analysis.Pieces.Select(p => p.Text));
        Assert.Contains(" 🎉🎉 and 日本語", shown);
        Assert.DoesNotContain('\uFFFD', shown);
        Assert.Contains(analysis.Pieces, p => p.ContinuesFrom is not null);
        Assert.All(analysis.Pieces.Where(p => p.ContinuesFrom is not null), p => Assert.StartsWith("<0x", p.Bytes));
        // Read together, the pieces are the prompt as rendered: nothing dropped, nothing added.
        Assert.Equal(analysis.Prompt.RenderedText, shown);
    }
}
