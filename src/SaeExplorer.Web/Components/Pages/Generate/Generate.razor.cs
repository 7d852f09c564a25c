using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Web.Application.Features;
using SaeExplorer.Web.Application.Generate;
using SaeExplorer.Web.Components.Shared;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Generate;

public enum SteerMode
{
    Add,
    Clamp,
    Ablate,
}

public sealed partial class Generate : IDisposable
{
    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private BrowserInterop Browser { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;

    /// <summary>The prompt (the URL keeps it, so a page can be shared or reloaded).</summary>
    [SupplyParameterFromQuery(Name = "prompt")] public string? InitialPrompt { get; set; }

    /// <summary>Steering as <c>add:F:V</c>, <c>clamp:F:V</c> or <c>ablate:F</c>, comma-separated.</summary>
    [SupplyParameterFromQuery(Name = "steer")] public string? InitialSteer { get; set; }

    [SupplyParameterFromQuery(Name = "max")] public int? InitialMax { get; set; }

    private string? _prompt;
    private int _maxNewTokens = 64;
    private double _temperature;
    private double _topP = 1;
    private ulong _seed;
    private bool _unit;
    private InterventionScope _scope = InterventionScope.All;
    private readonly List<SteerRow> _steers = [];
    private readonly SortedDictionary<AnswerSide, AnswerView> _answers = [];
    private CancellationTokenSource? _run;
    private bool _running;
    private string? _error;
    private int? _selected;
    private float _tintMax;
    // What the answers on screen were generated with, for export.
    private (string Prompt, DecodingOptions Decoding, IReadOnlyList<FeatureIntervention> Interventions, InterventionScope Scope)? _generatedWith;

    protected override void OnInitialized()
    {
        _prompt = InitialPrompt;
        if (InitialMax is > 0)
            _maxNewTokens = InitialMax.Value;
        foreach (var part in (InitialSteer ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bits = part.Split(':');
            if (bits.Length >= 2 && int.TryParse(bits[1], CultureInfo.InvariantCulture, out int f) && Enum.TryParse<SteerMode>(bits[0], true, out var mode))
                _steers.Add(new SteerRow(f) { Mode = mode, Value = bits.Length > 2 && double.TryParse(bits[2], CultureInfo.InvariantCulture, out var v) ? v : 0 });
        }
    }

    private async Task<IEnumerable<FeatureChoice>> SearchFeatures(string text, CancellationToken cancellation) =>
        await Mediator.Send(new SearchFeaturesQuery(text ?? ""), cancellation);

    private void AddSteer(FeatureChoice? choice)
    {
        if (choice is null || _steers.Any(s => s.Feature == choice.Feature))
            return;
        _steers.Add(new SteerRow(choice.Feature) { Value = 4 });
        _selected ??= choice.Feature;
    }

    private IReadOnlyList<FeatureIntervention> Interventions() =>
        [.. _steers.Select(s => s.Mode switch
        {
            SteerMode.Add => FeatureIntervention.Add(s.Feature, (float)s.Value, _unit),
            SteerMode.Clamp => FeatureIntervention.Clamp(s.Feature, (float)s.Value),
            _ => FeatureIntervention.Ablate(s.Feature),
        })];

    private async Task GenerateAsync()
    {
        Cancel();
        _run = new CancellationTokenSource();
        var token = _run.Token;
        _error = null;
        _answers.Clear();
        _tintMax = 0;
        var decoding = new DecodingOptions(_maxNewTokens, _temperature, _topP, Seed: _seed);
        var interventions = Interventions();
        KeepInUrl();
        GenerationStream stream;
        try
        {
            stream = await Mediator.Send(new StartGenerationCommand(new PromptInput(_prompt ?? ""), decoding, interventions, _scope), token);
        }
        catch (UserError e)
        {
            _error = e.Message;
            return;
        }
        _generatedWith = (_prompt ?? "", decoding, interventions, _scope);
        foreach (var side in stream.Sides)
            _answers[side] = new AnswerView(side);
        _selected ??= _steers.FirstOrDefault()?.Feature;
        _running = true;
        try
        {
            // Everything that arrived since the last render goes into one render.
            while (await stream.Updates.WaitToReadAsync(CancellationToken.None))
            {
                while (stream.Updates.TryRead(out var update))
                    Apply(update);
                await InvokeAsync(StateHasChanged);
            }
        }
        finally
        {
            _running = false;
        }
    }

    private void Apply(GenerationUpdate update)
    {
        var view = _answers[update.Side];
        if (update.Error is { } error)
        {
            view.Error = error;
            return;
        }
        if (update.Finished is { } finished)
        {
            view.Finished = finished;
            _selected ??= finished.Top.FirstOrDefault()?.Feature;
            UpdateTintMax();
            return;
        }
        if (update.Token is { } text)
        {
            view.Tokens.Add(text);
            view.Ids.Add(update.TokenId);
            view.Bytes.Add(update.TokenBytes);
            view.Features.Add(null);
        }
        else if (update.Features is { } features && update.Index < view.Features.Count)
        {
            view.Features[update.Index] = features;
            if (_selected is { } s)
                _tintMax = Math.Max(_tintMax, features.ValueOf(s));
        }
    }

    private void Select(int feature)
    {
        _selected = feature;
        UpdateTintMax();
    }

    private void UpdateTintMax() =>
        _tintMax = _selected is { } s ? _answers.Values.SelectMany(v => v.Features).Where(f => f is not null).Select(f => f!.ValueOf(s)).DefaultIfEmpty(0).Max() : 0;

    private void Cancel()
    {
        _run?.Cancel();
        _run?.Dispose();
        _run = null;
    }

    private void KeepInUrl()
    {
        var steer = string.Join(",", _steers.Select(s => s.Mode == SteerMode.Ablate
            ? $"ablate:{s.Feature}"
            : string.Create(CultureInfo.InvariantCulture, $"{s.Mode.ToString().ToLowerInvariant()}:{s.Feature}:{s.Value}")));
        var uri = Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["prompt"] = _prompt,
            ["steer"] = steer.Length == 0 ? null : steer,
            ["max"] = _maxNewTokens,
        });
        Navigation.NavigateTo(uri, forceLoad: false, replace: true);
    }

    private IReadOnlyList<AnswerRecord> Records() =>
        [.. _answers.Values.Select(v => new AnswerRecord(v.Side, v.Ids, v.Pieces, v.Finished, v.Error))];

    private async Task ExportJson()
    {
        if (_generatedWith is { } g)
            await Browser.DownloadAsync(GenerationExport.Json(g.Prompt, g.Decoding, g.Interventions, g.Scope, Records()));
    }

    private async Task ExportMarkdown()
    {
        if (_generatedWith is { } g)
            await Browser.DownloadAsync(GenerationExport.Markdown(g.Prompt, g.Decoding, g.Interventions, g.Scope, Records()));
    }

    private float Tint(AnswerView view, int t) => _selected is { } s && view.Features[t] is { } f ? f.ValueOf(s) : 0f;

    private string HeatStyle(float v) =>
        v <= 0 || _tintMax <= 0 ? "" : $"background-color: rgba(214, 69, 65, {(0.15 + 0.85 * Math.Min(1f, v / _tintMax)).ToString("F3", CultureInfo.InvariantCulture)})";

    private string TokenTitle(AnswerView view, int t, float v) =>
        $"answer token {t} (id {view.Ids[t]}){TokenText.Note(view.Pieces[t])}" + (_selected is { } s ? $": feature {s} = {v.ToString("G4", CultureInfo.InvariantCulture)}" : "");

    private static string Status(AnswerView view) =>
        view.Error is { } e ? e
        : view.Finished is { } f ? string.Create(CultureInfo.InvariantCulture, $"{view.Tokens.Count} tokens · {(f.FinishReason == FinishReasons.Eos ? "stopped" : "hit the limit")} · {f.Seconds:F1} s")
        : $"{view.Tokens.Count} tokens…";

    public void Dispose() => Cancel();

    private sealed class SteerRow(int feature)
    {
        public int Feature { get; } = feature;
        public SteerMode Mode { get; set; }
        public double Value { get; set; }
    }

    private sealed class AnswerView(AnswerSide side)
    {
        public AnswerSide Side { get; } = side;
        public List<string> Tokens { get; } = [];
        public List<int> Ids { get; } = [];
        public List<byte[]?> Bytes { get; } = [];
        public List<TokenFeatures?> Features { get; } = [];
        public FinishedAnswer? Finished { get; set; }
        public string? Error { get; set; }

        // Every piece is recomputed when a token arrives (it may complete a character an earlier token began), not on every render.
        public IReadOnlyList<TokenPiece> Pieces => _pieces is { } p && p.Length == Tokens.Count ? p : _pieces = TokenPieces.Of(Bytes, t => Tokens[t]);

        private TokenPiece[]? _pieces;
    }
}
