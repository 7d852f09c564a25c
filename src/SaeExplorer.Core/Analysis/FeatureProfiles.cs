using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Analysis;

/// <summary>
/// How often a latent fires over a run's tokens and prompts, and how strongly where it fires.
/// <see cref="Counts"/>[i] is the number of active tokens whose value falls in bin i of <see cref="Bins"/>.
/// </summary>
public sealed record FeatureDensity(int Tokens, int ActiveTokens, int Prompts, int ActivePrompts, HistogramBins? Bins, int[] Counts)
{
    public double TokenFraction => Tokens == 0 ? 0 : (double)ActiveTokens / Tokens;

    public double PromptFraction => Prompts == 0 ? 0 : (double)ActivePrompts / Prompts;
}

/// <summary>
/// One of a latent's strongest tokens with its surroundings, every token carrying the latent's value there (0 where it
/// is not active), so the heat can be read over the whole window and not only at the peak. <see cref="Peak"/> is the
/// peak's position in <see cref="Tokens"/>; <see cref="Start"/> is the window's first token in the prompt.
/// </summary>
public sealed record HeatWindow(string PromptId, string Condition, int Start, int Peak, IReadOnlyList<string> Tokens, float[] Values)
{
    public float PeakValue => Values[Peak];
}

/// <summary>
/// A latent that fires in the same prompts: <see cref="Both"/> prompts have both active, <see cref="Either"/> at least
/// one, and <see cref="Jaccard"/> = Both / Either.
/// </summary>
public sealed record CoActiveFeature(int Feature, int Both, int Either, double Jaccard);

/// <summary>
/// A latent's pooled value per topic in each condition (conditions in run order), so a topic can be followed from one
/// prompt style to another; a value is null where the topic has no prompt in that condition.
/// </summary>
public sealed record TopicValues(IReadOnlyList<string> Conditions, IReadOnlyList<TopicRow> Topics);

public sealed record TopicRow(string Topic, IReadOnlyList<double?> Values);

/// <summary>The parts of a latent's page that are read from a run's per-token and pooled features.</summary>
public static class FeatureProfiles
{
    /// <summary>
    /// Tokens and prompts where <paramref name="feature"/> is active (stored, i.e. non-zero) over all of
    /// <paramref name="prompts"/>, with a histogram of its non-zero token values in <paramref name="bins"/> equal bins.
    /// </summary>
    public static FeatureDensity Density(IReadOnlyList<TokenizedPrompt> prompts, int feature, int bins = 30)
    {
        int tokens = 0, activePrompts = 0;
        var values = new List<double>();
        foreach (var p in prompts)
        {
            tokens += p.Features.TokenCount;
            int before = values.Count;
            for (int t = 0; t < p.Features.TokenCount; t++)
            {
                if (ValueAt(p.Features, t, feature) is { } v)
                    values.Add(v);
            }
            activePrompts += values.Count > before ? 1 : 0;
        }
        var shape = HistogramBins.Spanning(values, bins);
        var counts = new int[shape?.Count ?? 0];
        if (shape is not null)
        {
            foreach (var v in values)
                counts[shape.IndexOf(v)]++;
        }
        return new FeatureDensity(tokens, values.Count, prompts.Count, activePrompts, shape, counts);
    }

    /// <summary>
    /// For each of <paramref name="contexts"/> (a latent's strongest tokens, from <see cref="TokenContexts.ForFeature"/>),
    /// the <paramref name="window"/> tokens either side with the latent's value on each. A token whose text span repeats
    /// the previous token's (the byte pieces of one character share the character's span) shows empty, so a character
    /// split over tokens reads once.
    /// </summary>
    public static IReadOnlyList<HeatWindow> Windows(IReadOnlyList<TokenizedPrompt> prompts, IReadOnlyList<TokenContext> contexts, int feature, int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        var byId = prompts.ToDictionary(p => p.Id, StringComparer.Ordinal);
        return contexts.Select(c =>
        {
            var p = byId.TryGetValue(c.PromptId, out var found) ? found
                : throw new ArgumentException($"context of prompt '{c.PromptId}', which is not among the prompts.", nameof(contexts));
            int start = Math.Max(0, c.Token - window), end = Math.Min(p.Tokens.Count, c.Token + window + 1);
            var tokens = new string[end - start];
            var values = new float[end - start];
            for (int t = start; t < end; t++)
            {
                tokens[t - start] = Text(p, t);
                values[t - start] = ValueAt(p.Features, t, feature) ?? 0;
            }
            return new HeatWindow(p.Id, p.Condition, start, c.Token - start, tokens, values);
        }).ToArray();
    }

    /// <summary>
    /// The <paramref name="top"/> latents whose prompts overlap most with <paramref name="feature"/>'s (Jaccard index of
    /// the prompts where each is active, pooled), ties by more shared prompts then lower index; latents sharing no
    /// prompt are left out, as is the latent itself.
    /// </summary>
    public static IReadOnlyList<CoActiveFeature> CoActive(IReadOnlyList<PooledPrompt> prompts, int feature, int top = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        int own = 0;
        var both = new Dictionary<int, int>();
        var anywhere = new Dictionary<int, int>();
        foreach (var p in prompts)
        {
            var indices = p.Features.Indices;
            bool active = Array.BinarySearch(indices, feature) >= 0;
            own += active ? 1 : 0;
            foreach (int g in indices)
            {
                if (g == feature)
                    continue;
                anywhere[g] = anywhere.GetValueOrDefault(g) + 1;
                if (active)
                    both[g] = both.GetValueOrDefault(g) + 1;
            }
        }
        return both
            .Select(kv => new CoActiveFeature(kv.Key, kv.Value, own + anywhere[kv.Key] - kv.Value, (double)kv.Value / (own + anywhere[kv.Key] - kv.Value)))
            .OrderByDescending(c => c.Jaccard)
            .ThenByDescending(c => c.Both)
            .ThenBy(c => c.Feature)
            .Take(top)
            .ToArray();
    }

    /// <summary>
    /// <paramref name="feature"/>'s pooled value per topic and condition (0 where inactive); see
    /// <see cref="ByTopic(IReadOnlyList{PooledPrompt}, Func{PooledPrompt, double})"/>.
    /// </summary>
    public static TopicValues ByTopic(IReadOnlyList<PooledPrompt> prompts, int feature) => ByTopic(prompts, p => p.Features.ValueOf(feature));

    /// <summary>
    /// <paramref name="value"/> of each prompt per topic and condition: a topic with several prompts in one condition gets
    /// their mean, one with none there null. Conditions and topics in order of first appearance; prompts without a topic
    /// are left out.
    /// </summary>
    public static TopicValues ByTopic(IReadOnlyList<PooledPrompt> prompts, Func<PooledPrompt, double> value)
    {
        var conditions = prompts.Select(p => p.Condition).Distinct(StringComparer.Ordinal).ToArray();
        var column = conditions.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var sums = new Dictionary<string, (double Sum, int Count)[]>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var p in prompts)
        {
            if (string.IsNullOrEmpty(p.Topic))
                continue;
            if (!sums.TryGetValue(p.Topic, out var row))
            {
                sums[p.Topic] = row = new (double, int)[conditions.Length];
                order.Add(p.Topic);
            }
            ref var cell = ref row[column[p.Condition]];
            cell = (cell.Sum + value(p), cell.Count + 1);
        }
        return new TopicValues(conditions, order.Select(topic =>
            new TopicRow(topic, sums[topic].Select(c => c.Count == 0 ? (double?)null : c.Sum / c.Count).ToArray())).ToArray());
    }

    private static float? ValueAt(SparseFeatureMatrix m, int token, int feature)
    {
        int k = m.RowIndices(token).BinarySearch(feature);
        return k < 0 ? null : m.RowValues(token)[k];
    }

    private static string Text(TokenizedPrompt p, int t)
    {
        if (p.Text is not { } text)
            return p.Tokens[t].Text;
        var span = p.Tokens[t];
        if (t > 0 && p.Tokens[t - 1].Start == span.Start && p.Tokens[t - 1].End == span.End)
            return "";
        return text[span.Start..span.End];
    }
}
