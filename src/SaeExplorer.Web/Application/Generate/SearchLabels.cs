using Mediator;
using SaeExplorer.Inference.Live;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Generate;

/// <summary>Features of the loaded SAE by index or by words of their label, for the steering panel.</summary>
public sealed record SearchFeaturesQuery(string Text, int Limit = 12) : IRequest<IReadOnlyList<FeatureChoice>>;

public sealed record FeatureChoice(int Feature, string? Label)
{
    public override string ToString() => Label is null ? $"#{Feature}" : $"#{Feature} {Label}";
}

public sealed class SearchFeaturesHandler(LiveModelService models, FeatureStore store) : IRequestHandler<SearchFeaturesQuery, IReadOnlyList<FeatureChoice>>
{
    public ValueTask<IReadOnlyList<FeatureChoice>> Handle(SearchFeaturesQuery request, CancellationToken cancellationToken)
    {
        if (models.Current is not { } info || string.IsNullOrWhiteSpace(request.Text))
            return ValueTask.FromResult<IReadOnlyList<FeatureChoice>>([]);
        var text = request.Text.Trim().TrimStart('#');
        var labels = store.Labels(info.SaeFingerprint);
        if (int.TryParse(text, out int feature))
        {
            IReadOnlyList<FeatureChoice> byIndex = feature >= 0 && feature < info.DSae
                ? [new FeatureChoice(feature, labels.TryGetValue(feature, out var l) ? l.Label : null)]
                : [];
            return ValueTask.FromResult(byIndex);
        }
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IReadOnlyList<FeatureChoice> byLabel = labels
            .Where(kv => words.All(w => kv.Value.Label.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(kv => kv.Key).Take(request.Limit)
            .Select(kv => new FeatureChoice(kv.Key, kv.Value.Label)).ToList();
        return ValueTask.FromResult(byLabel);
    }
}
