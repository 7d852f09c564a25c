using SaeExplorer.Core.Errors;
using System.Diagnostics;
using System.Threading.Channels;
using Mediator;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Generate;

public sealed class StartGenerationHandler(LiveModelService models, FeatureStore store, ILogger<StartGenerationHandler> logger)
    : IRequestHandler<StartGenerationCommand, GenerationStream>
{
    public const int TopFeatures = 15;

    public ValueTask<GenerationStream> Handle(StartGenerationCommand request, CancellationToken cancellationToken)
    {
        var info = models.Current ?? throw new RefusedException("no model is loaded yet; choose one in Settings (or wait for the demo model to finish loading).");
        request.Decoding.Validated();
        FeatureIntervention.Check(request.Interventions, info.DSae);
        if (string.IsNullOrWhiteSpace(request.Input.Text))
            throw new SettingsException(SettingsField.Decoding, "type a prompt to answer.");

        AnswerSide[] sides = request.Interventions.Count > 0 ? [AnswerSide.Baseline, AnswerSide.Steered] : [AnswerSide.Baseline];
        var channel = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true });
        var runs = sides.Select(side => Run(side, side == AnswerSide.Steered ? request.Interventions : [], request, info.SaeFingerprint, channel.Writer, cancellationToken)).ToArray();
        _ = Task.WhenAll(runs).ContinueWith(_ => channel.Writer.TryComplete(), TaskScheduler.Default);
        return ValueTask.FromResult(new GenerationStream(sides, channel.Reader));
    }

    private async Task Run(AnswerSide side, IReadOnlyList<FeatureIntervention> interventions, StartGenerationCommand request, string saeFingerprint,
        ChannelWriter<GenerationUpdate> updates, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var listener = new Listener(side, models, updates);
        try
        {
            var answer = await models.GenerateAsync(new LiveGeneration(request.Input, request.Decoding, interventions, request.Scope), listener, cancellation);
            // Labels by id for the features shown only, as Live does: not every label of the SAE.
            var top = Summarise(answer.Features).Take(TopFeatures)
                .Select(f => new AnswerFeature(f.Feature, f.Max, f.Tokens, store.GetLabel(saeFingerprint, f.Feature)?.Label)).ToList();
            var reason = answer.FinishReason == FinishReason.Eos ? FinishReasons.Eos : FinishReasons.Length;
            updates.TryWrite(new GenerationUpdate(side, answer.NewIds.Length, Finished: new FinishedAnswer(reason, answer.PromptIds.Length, clock.Elapsed.TotalSeconds, top)));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            updates.TryWrite(new GenerationUpdate(side, -1, Error: "cancelled"));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or SettingsException)
        {
            logger.LogInformation("generation refused: {Reason}", e.Message);
            updates.TryWrite(new GenerationUpdate(side, -1, Error: e.Message.ReplaceLineEndings(" ")));
        }
    }

    /// <summary>Each active feature's largest value over the answer's tokens and how many tokens it fires on, strongest first.</summary>
    public static IEnumerable<(int Feature, float Max, int Tokens)> Summarise(SparseFeatureMatrix features)
    {
        var max = new Dictionary<int, (float Max, int Tokens)>();
        for (int k = 0; k < features.Indices.Length; k++)
        {
            int f = features.Indices[k];
            var (m, n) = max.GetValueOrDefault(f);
            max[f] = (Math.Max(m, features.Values[k]), n + 1);
        }
        return max.OrderByDescending(kv => kv.Value.Max).ThenBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value.Max, kv.Value.Tokens));
    }

    /// <summary>Turns the generator's events (on the worker thread) into updates; token texts need no tensors.</summary>
    private sealed class Listener(AnswerSide side, LiveModelService models, ChannelWriter<GenerationUpdate> updates) : IGenerationListener
    {
        public void Token(int prompt, int index, int tokenId) =>
            updates.TryWrite(new GenerationUpdate(side, index, tokenId, models.TokenTexts([tokenId])[0], TokenBytes: models.TokenBytes[tokenId]));

        public void Features(int prompt, int index, SparseVector features) =>
            updates.TryWrite(new GenerationUpdate(side, index, Features: new TokenFeatures(features.Indices, features.Values)));
    }
}
