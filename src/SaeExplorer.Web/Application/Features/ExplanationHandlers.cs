using SaeExplorer.Core.Errors;
using System.Globalization;
using Mediator;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Features;

public sealed class ExplanationHandlers(LiveModelService models, FeatureStore store) :
    IRequestHandler<FeatureExplanationsQuery, IReadOnlyList<FeatureExplanation>>,
    IRequestHandler<AcceptExplanationCommand, AcceptedExplanation>
{
    public ValueTask<IReadOnlyList<FeatureExplanation>> Handle(FeatureExplanationsQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(store.GetExplanations(Model().SaeFingerprint, request.Feature));

    public ValueTask<AcceptedExplanation> Handle(AcceptExplanationCommand request, CancellationToken cancellationToken)
    {
        string sae = Model().SaeFingerprint;
        var explanation = store.GetExplanations(sae, request.Feature)
            .FirstOrDefault(e => e.RunId == request.RunId && e.ExplainerModel == request.ExplainerModel)
            ?? throw new ArgumentException($"feature {request.Feature} has no explanation by {request.ExplainerModel} from run {request.RunId}.");
        if (explanation.Outcome != ExplanationOutcomes.Ok || string.IsNullOrWhiteSpace(explanation.Text))
            throw new RefusedException(
                $"{explanation.ExplainerModel} gave no explanation of feature {request.Feature} ({explanation.Outcome}), so there is no text to use as its label.");
        string text = explanation.Text.Trim();
        var current = store.GetLabel(sae, request.Feature);
        if (!request.Replace && current is { Label.Length: > 0 } && current.Label != text)
            return ValueTask.FromResult(new AcceptedExplanation(false, current));
        // The store keeps milliseconds; truncating here makes what is returned equal what a later read gives.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        // The user's own notes are kept below the provenance line (an earlier accepted explanation's line is replaced).
        string notes = Notes(explanation);
        if (current?.Notes is { Length: > 0 } own)
            notes += "\n" + string.Join("\n", own.Split('\n').SkipWhile(line => line.StartsWith(ProvenancePrefix, StringComparison.Ordinal)));
        store.SetLabel(new FeatureLabel(sae, request.Feature, text, notes.TrimEnd(), now));
        return ValueTask.FromResult(new AcceptedExplanation(true, store.GetLabel(sae, request.Feature)));
    }

    /// <summary>Where an accepted label came from: "explained by {model} {date}; detection 0.82, fuzzing 0.71".</summary>
    private static string Notes(FeatureExplanation e)
    {
        var scores = e.Scores.OrderBy(s => s.Method).Select(s =>
            $"{s.Method.ToString().ToLowerInvariant()} {(s.BalancedAccuracy is { } b ? b.ToString("F2", CultureInfo.InvariantCulture) : "not computable")}");
        return $"{ProvenancePrefix}{e.ExplainerModel} {e.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"
            + (e.Scores.Count > 0 ? "; " + string.Join(", ", scores) : "");
    }

    private const string ProvenancePrefix = "explained by ";

    private ModelInfo Model() =>
        models.Current ?? throw new RefusedException("no model is loaded yet; explanations belong to an SAE, so wait for it to load.");
}
