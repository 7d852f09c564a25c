using System.Globalization;
using Mediator;
using SaeExplorer.Core.Features;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Web.Application.Live;

/// <summary>One prompt through the model and SAE: its tokens, per-token features, and the strongest pooled features.</summary>
public sealed record AnalyzePromptQuery(PromptInput Input, PoolingMethod Pooling, int Top = 25) : IRequest<LiveAnalysis>;

/// <summary>
/// A feature active in the prompt: pooled value, on how many of the pooled tokens it fires (<see cref="LiveAnalysis.PooledTokens"/>),
/// the user's label and its newest LLM explanation.
/// </summary>
public sealed record ActiveFeature(int Feature, float Value, int ActiveTokens, string? Label, ExplanationSummary? Explanation);

/// <summary>A prompt's analysis for the Live page.</summary>
/// <param name="Prompt">The prompt's tokens and per-token features.</param>
/// <param name="Pieces">How each token reads (a character split over byte-level tokens once), one per token of <paramref name="Prompt"/>.</param>
/// <param name="Pooling">How the features were pooled.</param>
/// <param name="PooledTokens">How many tokens the pooling reads: the user's message's, the last one, or all.</param>
/// <param name="ActiveCount">Features active in the pooled vector.</param>
/// <param name="Pooled">The pooled vector itself (a second prompt on the page is compared with it).</param>
/// <param name="Top">The strongest pooled features.</param>
/// <param name="Milliseconds">Time taken.</param>
public sealed record LiveAnalysis(PromptFeatures Prompt, IReadOnlyList<TokenPiece> Pieces, PoolingMethod Pooling, int PooledTokens, int ActiveCount,
    SparseVector Pooled, IReadOnlyList<ActiveFeature> Top, double Milliseconds)
{
    /// <summary>The tokens the pooling reads, in words: "your message's 9 tokens", "all 34 tokens", "the last token".</summary>
    public string PooledTokensName => Pooling switch
    {
        PoolingMethod.Last => "the last token",
        PoolingMethod.User => string.Create(CultureInfo.InvariantCulture, $"your message's {PooledTokens:N0} {Tokens(PooledTokens)}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"all {PooledTokens:N0} {Tokens(PooledTokens)}"),
    };

    /// <summary>What a feature's <see cref="ActiveFeature.ActiveTokens"/> counts, in words: "active on 3 of your message's 9 tokens".</summary>
    public string ActiveOn(ActiveFeature feature) => Pooling == PoolingMethod.Last
        ? (feature.ActiveTokens > 0 ? "active on the last token" : "not active on the last token")
        : string.Create(CultureInfo.InvariantCulture, $"active on {feature.ActiveTokens:N0} of {PooledTokensName}");

    private static string Tokens(int n) => n == 1 ? "token" : "tokens";
}
