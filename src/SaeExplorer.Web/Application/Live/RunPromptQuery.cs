using Mediator;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Live;

/// <summary>One prompt of a run, as the Live page needs it to give the features the run computed (the UMAP page opens prompts so).</summary>
public sealed record RunPromptQuery(string RunId, string PromptId, PoolingMethod? Pooling) : IRequest<RunPrompt>;

/// <summary>
/// The prompt exactly as the run sent it: its user text and system prompt, the run's chat format (as the Live page's
/// chat-format choice), the pooling (the asking page's, or the run's), and a line saying all this and what can still
/// differ from the run's numbers.
/// </summary>
public sealed record RunPrompt(string Text, string? SystemPrompt, string ChatFormat, PoolingMethod Pooling, string Note);

public sealed class RunPromptQueryHandler(IRunDataSource runs) : IRequestHandler<RunPromptQuery, RunPrompt>
{
    public async ValueTask<RunPrompt> Handle(RunPromptQuery request, CancellationToken cancellationToken)
    {
        var data = await runs.OpenAsync(request.RunId, cancellationToken);
        var prompt = data.Result.Prompts.FirstOrDefault(p => p.Prompt.Id == request.PromptId)?.Prompt
            ?? throw new ArgumentException($"run {request.RunId} has no prompt '{request.PromptId}'.");
        var pooling = request.Pooling ?? data.Pooling;
        string text = prompt.UserText;
        string? system = prompt.Messages.FirstOrDefault(m => m.Role == "system")?.Content;
        var format = data.Result.ChatFormat;
        var differences = new List<string>();
        if (data.DType != data.Model.Spec.DType)
            differences.Add($"the run computed in {data.DType.Name()}, the loaded model in {data.Model.Spec.DType.Name()}");
        differences.Add($"Live runs one prompt at a time where the run batched {(data.BatchSize is { } b ? b.ToString() : "several")}, which changes the last digits");
        string note = $"Prompt {prompt.Id} ({prompt.Condition}) of run {data.RunId} ({data.PromptSet.Name}), as the run sent it: "
            + $"chat format {ChatFormats.DisplayName(format)}, {(system is null ? "no system prompt" : "its system prompt")}, {PoolingNames.Of(pooling)}. "
            + $"Still different: {string.Join("; ", differences)}.";
        return new RunPrompt(text, system, LiveChatFormat(format), pooling, note);
    }

    /// <summary>The Live page's chat-format choice that renders the prompt as <paramref name="format"/> does.</summary>
    public static string LiveChatFormat(ChatFormat format) => format switch
    {
        ChatFormat.Llama31 => "llama3.1",
        ChatFormat.Llama3 => "llama3",
        _ => "none",
    };
}
