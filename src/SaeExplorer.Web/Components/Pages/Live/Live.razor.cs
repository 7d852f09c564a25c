using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Web.Application.Live;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Live;

public sealed partial class Live : IDisposable
{
    public static readonly (string Value, string Name)[] ChatFormatChoices =
        [("auto", "auto (from the model)"), ("llama3.1", "Llama 3.1/3.3 Instruct"), ("llama3", "Llama 3.0 Instruct"), ("none", "none (raw text)")];

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
    private readonly LatestOnly _tokenRequests = new();
    private readonly LatestOnly _requestsB = new();
    private TokenFeatures? _token;
    private bool _comparing;
    private string? _textB;
    private LiveAnalysis? _analysisB;
    private PromptPair? _pair;
    private string? _errorB;

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

    private Task OnTextBSettled(string _) => AnalyzeBAsync();

    private Task OnChatFormatChanged(string value)
    {
        _chatFormat = value;
        return AnalyzeBothAsync();
    }

    private Task OnPoolingChanged(PoolingMethod value)
    {
        _pooling = value;
        return AnalyzeBothAsync();
    }

    private Task OnComparingChanged(bool value)
    {
        _comparing = value;
        return value ? AnalyzeBAsync() : Task.CompletedTask;
    }

    private async Task AnalyzeBothAsync()
    {
        await AnalyzeAsync();
        if (_comparing)
            await AnalyzeBAsync();
    }

    private void Select(int feature) => _selected = _selected == feature ? null : feature;

    private void SelectFeature(int feature) => _selected = feature;

    private async Task ShowTokenAsync(int token)
    {
        if (_analysis is not { } a)
            return;
        var ct = _tokenRequests.Next();
        try
        {
            var features = await Mediator.Send(new TokenFeaturesQuery(a.Prompt, token), ct);
            if (!ct.IsCancellationRequested)
                _token = features;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (UserError e)
        {
            _error = e.Message;
        }
    }

    private static IReadOnlyList<(int, string, string?)> TokenRows(TokenFeatures token) =>
        token.Top.Select(f => (f.Feature, f.Value.ToString("G4", CultureInfo.InvariantCulture), f.Label ?? f.Explanation?.Text)).ToArray();

    private static IReadOnlyList<(int, string, string?)> OneSidedRows(IReadOnlyList<OneSided> side, PromptPair pair) =>
        side.Select(f => (f.Feature, f.Value.ToString("G4", CultureInfo.InvariantCulture), pair.Labels.GetValueOrDefault(f.Feature))).ToArray();

    private static IReadOnlyList<(int, string, string?)> ChangedRows(PromptPair pair) =>
        pair.Summary.Changed.Select(f => (f.Feature,
            $"{f.A.ToString("G3", CultureInfo.InvariantCulture)} → {f.B.ToString("G3", CultureInfo.InvariantCulture)}", pair.Labels.GetValueOrDefault(f.Feature))).ToArray();

    /// <summary>The second prompt, with the first one's chat format, system prompt and pooling, then the pair compared.</summary>
    private async Task AnalyzeBAsync()
    {
        var token = _requestsB.Next();
        _pair = null;
        if (string.IsNullOrWhiteSpace(_textB))
        {
            _analysisB = null;
            _errorB = null;
            return;
        }
        try
        {
            var b = await Mediator.Send(new AnalyzePromptQuery(new PromptInput(_textB, _chatFormat, _systemPrompt), _pooling), token);
            if (token.IsCancellationRequested)
                return;
            _analysisB = b;
            _errorB = null;
            await ComparePairAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (UserError e)
        {
            _errorB = e.Message;
            _analysisB = null;
        }
    }

    private async Task ComparePairAsync(CancellationToken token)
    {
        if (_analysis is { } a && _analysisB is { } b && a.Pooling == b.Pooling)
        {
            var pair = await Mediator.Send(new ComparePromptsQuery(a, b), token);
            if (!token.IsCancellationRequested)
                _pair = pair;
        }
    }

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
            _token = null;
            if (_comparing && _analysisB is not null)
                await ComparePairAsync(token);
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

    public void Dispose()
    {
        _requests.Dispose();
        _tokenRequests.Dispose();
        _requestsB.Dispose();
    }
}
