using Mediator;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Web.Application.Live;

/// <summary>One prompt through the model and SAE: its tokens, per-token features, and the strongest pooled features.</summary>
public sealed record AnalyzePromptQuery(PromptInput Input, PoolingMethod Pooling, int Top = 25) : IRequest<LiveAnalysis>;

/// <summary>A feature active in the prompt: pooled value, on how many tokens it fires, the user's label and its newest LLM explanation.</summary>
public sealed record ActiveFeature(int Feature, float Value, int ActiveTokens, string? Label, ExplanationSummary? Explanation);

public sealed record LiveAnalysis(PromptFeatures Prompt, PoolingMethod Pooling, int ActiveCount, IReadOnlyList<ActiveFeature> Top, double Milliseconds);
