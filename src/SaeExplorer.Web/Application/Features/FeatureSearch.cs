using Mediator;
using SaeExplorer.Core.Errors;
using SaeExplorer.Inference.Live;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Features;

/// <summary>Features of the loaded SAE by index ("123" or "#123") or by words of their label or notes.</summary>
public sealed record SearchFeaturesQuery(string Text, int Limit = 12) : IRequest<IReadOnlyList<FeatureChoice>>;

public sealed record FeatureChoice(int Feature, string? Label)
{
    public override string ToString() => Label is null ? $"#{Feature}" : $"#{Feature} {Label}";
}

/// <summary>Every labelled feature of the loaded SAE (label or notes), by index.</summary>
public sealed record LabelledFeaturesQuery : IRequest<LabelledFeatures>;

/// <param name="FeatureCount">d_sae of the loaded SAE.</param>
public sealed record LabelledFeatures(int FeatureCount, IReadOnlyList<FeatureLabel> Labels);

public static class FeatureSearch
{
    /// <summary>
    /// An index inside the SAE gives that feature alone (labelled or not); otherwise the labelled features where each word
    /// of <paramref name="text"/> is in the label or the notes (case-insensitive), those whose label holds every word
    /// first, then by index, at most <paramref name="limit"/>.
    /// </summary>
    public static IReadOnlyList<FeatureChoice> Find(IReadOnlyDictionary<int, FeatureLabel> labels, int featureCount, string text, int limit)
    {
        var query = text.Trim().TrimStart('#');
        if (query.Length == 0)
            return [];
        if (int.TryParse(query, out int feature))
        {
            return feature >= 0 && feature < featureCount
                ? [new FeatureChoice(feature, labels.TryGetValue(feature, out var l) && l.Label.Length > 0 ? l.Label : null)]
                : [];
        }
        var words = query.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        bool All(string field) => words.All(w => field.Contains(w, StringComparison.OrdinalIgnoreCase));
        return labels.Values
            .Where(l => words.All(w => l.Label.Contains(w, StringComparison.OrdinalIgnoreCase) || l.Notes.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(l => All(l.Label) ? 0 : 1)
            .ThenBy(l => l.Feature)
            .Take(limit)
            .Select(l => new FeatureChoice(l.Feature, l.Label.Length > 0 ? l.Label : null))
            .ToArray();
    }
}

public sealed class FeatureSearchHandlers(LiveModelService models, FeatureStore store) :
    IRequestHandler<SearchFeaturesQuery, IReadOnlyList<FeatureChoice>>,
    IRequestHandler<LabelledFeaturesQuery, LabelledFeatures>
{
    public ValueTask<IReadOnlyList<FeatureChoice>> Handle(SearchFeaturesQuery request, CancellationToken cancellationToken)
    {
        if (models.Current is not { } info)
            return ValueTask.FromResult<IReadOnlyList<FeatureChoice>>([]);
        return ValueTask.FromResult(FeatureSearch.Find(store.Labels(info.SaeFingerprint), info.DSae, request.Text, request.Limit));
    }

    public ValueTask<LabelledFeatures> Handle(LabelledFeaturesQuery request, CancellationToken cancellationToken)
    {
        var info = models.Current ?? throw new RefusedException("no model is loaded yet; labels belong to an SAE, so wait for it to load.");
        return ValueTask.FromResult(new LabelledFeatures(info.DSae, store.Labels(info.SaeFingerprint).Values.OrderBy(l => l.Feature).ToArray()));
    }
}
