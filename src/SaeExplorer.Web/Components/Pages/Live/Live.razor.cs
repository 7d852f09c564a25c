using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Web.Application.Live;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Live;

public sealed partial class Live : IDisposable
{
    public static readonly (string Value, string Name)[] ChatFormatChoices =
        [("auto", "auto (from the model)"), ("llama3.1", "Llama 3.1/3.3 Instruct"), ("llama3", "Llama 3.0 Instruct"), ("none", "none (raw text)")];

    public static readonly (PoolingMethod Value, string Name)[] PoolingChoices = PoolingNames.All;

    [Inject] private IMediator Mediator { get; set; } = null!;

    /// <summary>A prompt to start with (the UMAP page opens prompts here).</summary>
    [SupplyParameterFromQuery(Name = "prompt")] public string? InitialPrompt { get; set; }

    /// <summary>A prompt of a run (?run=ID&amp;id=PROMPT), shown as the run sent it (the UMAP page opens its points so).</summary>
    [SupplyParameterFromQuery(Name = "run")] public string? RunFromAddress { get; set; }

    [SupplyParameterFromQuery(Name = "id")] public string? PromptIdFromAddress { get; set; }

    [SupplyParameterFromQuery(Name = "pooling")] public string? PoolingFromAddress { get; set; }

    private string? _fromRun;

    private string? _text;
    private string? _systemPrompt;
    private string _chatFormat = "auto";
    private PoolingMethod _pooling = PoolingMethod.User;
    private LiveAnalysis? _analysis;
    private int? _selected;
    private string? _error;
    private bool _busy;
    private readonly LatestOnly _requests = new();

    public static string PoolingName(PoolingMethod pooling) => PoolingNames.Of(pooling);

    protected override async Task OnInitializedAsync()
    {
        _pooling = AddressState.Pooling(PoolingFromAddress) ?? _pooling;
        if (!string.IsNullOrWhiteSpace(RunFromAddress) && !string.IsNullOrWhiteSpace(PromptIdFromAddress))
        {
            try
            {
                var prompt = await Mediator.Send(new RunPromptQuery(RunFromAddress, PromptIdFromAddress, AddressState.Pooling(PoolingFromAddress)));
                (_text, _systemPrompt, _chatFormat, _pooling, _fromRun) = (prompt.Text, prompt.SystemPrompt, prompt.ChatFormat, prompt.Pooling, prompt.Note);
                await AnalyzeAsync();
            }
            catch (UserError e)
            {
                _error = e.Message;
            }
        }
        else if (!string.IsNullOrWhiteSpace(InitialPrompt))
        {
            _text = InitialPrompt;
            await AnalyzeAsync();
        }
    }

    private Task OnTextSettled(string _) => AnalyzeAsync();

    private Task OnChatFormatChanged(string value)
    {
        _chatFormat = value;
        return AnalyzeAsync();
    }

    private Task OnPoolingChanged(PoolingMethod value)
    {
        _pooling = value;
        return AnalyzeAsync();
    }

    private void Select(int feature) => _selected = _selected == feature ? null : feature;

    private async Task AnalyzeAsync()
    {
        // A newer prompt supersedes the one in flight: cancel it so the model worker skips it if it has not started.
        var token = _requests.Next();
        if (string.IsNullOrWhiteSpace(_text))
        {
            _analysis = null;
            _error = null;
            _busy = false;
            return;
        }
        _busy = true;
        _error = null;
        try
        {
            var analysis = await Mediator.Send(new AnalyzePromptQuery(new PromptInput(_text, _chatFormat, _systemPrompt), _pooling), token);
            if (token.IsCancellationRequested)
                return;
            _analysis = analysis;
            if (_selected is { } s && !analysis.Top.Any(f => f.Feature == s))
                _selected = null;
            _selected ??= analysis.Top.FirstOrDefault()?.Feature;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (UserError e)
        {
            _error = e.Message;
            _analysis = null;
        }
        // A superseded request leaves the spinner to the one that replaced it.
        if (!token.IsCancellationRequested)
            _busy = false;
    }

    public void Dispose() => _requests.Dispose();
}
