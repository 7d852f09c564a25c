using System.Text.Json.Serialization;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Analysis.Autointerp;

/// <summary>
/// One text the examples are cut from: a prompt (its rendered tokens) or a generated answer (its new tokens), with the
/// SAE's features per token. <see cref="Source"/> says which ("prompt" or "answer").
/// </summary>
public sealed record ExampleDocument(string Id, string Condition, string Source, IReadOnlyList<string> Tokens, SparseFeatureMatrix Features)
{
    public const string PromptSource = "prompt";
    public const string AnswerSource = "answer";

    public static ExampleDocument FromPrompt(TokenizedPrompt prompt) =>
        new(prompt.Id, prompt.Condition, PromptSource, prompt.Tokens.Select(t => t.Text).ToArray(), prompt.Features);
}

/// <summary>Why an example is in a set: it activates the feature, or it is a negative drawn at random or for looking like the positives.</summary>
public enum ExampleKind
{
    [JsonStringEnumMemberName("activating")]
    Activating,

    [JsonStringEnumMemberName("random")]
    Random,

    [JsonStringEnumMemberName("similar")]
    Similar,
}

/// <summary>
/// A window of one document around a token: its tokens and the feature's value on each (0 where it is not active).
/// <see cref="Quantile"/> is 1 (strongest tenth of the activating documents) to the number of quantiles for an
/// activating example, 0 for a negative. <see cref="Start"/> is the window's first token in the document.
/// </summary>
public sealed record FeatureExample(string DocumentId, string Condition, string Source, ExampleKind Kind, int Quantile, int Start,
    IReadOnlyList<string> Tokens, float[] Activations)
{
    public bool Activates => Kind == ExampleKind.Activating;

    public float Max => Activations.Length == 0 ? 0 : Activations.Max();
}

/// <summary>How many documents of a condition there are and in how many the feature fires (prompts only).</summary>
public sealed record ConditionShare(string Condition, int Documents, int Active);

/// <summary>
/// A feature's examples: the ones the explainer sees and the held-out ones the scorers test the explanation on (no
/// document is in both). <see cref="Test"/> holds activating examples and negatives; an example's truth is
/// <see cref="FeatureExample.Activates"/>.
/// </summary>
public sealed record FeatureExampleSet(int Feature, int Documents, int ActiveDocuments, IReadOnlyList<FeatureExample> Explain,
    IReadOnlyList<FeatureExample> Test, IReadOnlyList<ConditionShare> Conditions)
{
    /// <summary>Scoring needs both kinds among the held-out examples: a feature that fires nowhere (or everywhere) cannot be scored.</summary>
    public bool CanScore => Test.Any(e => e.Activates) && Test.Any(e => !e.Activates);
}

/// <param name="Explain">activating examples shown to the explainer</param>
/// <param name="Test">held-out activating examples for the scorers</param>
/// <param name="Random">held-out negatives drawn at random from documents where the feature never fires</param>
/// <param name="Similar">held-out negatives from non-activating documents sharing the most features with activating ones</param>
/// <param name="Window">tokens kept either side of the window's centre</param>
/// <param name="Quantiles">activation bins the activating documents are split into (delphi samples across deciles)</param>
public sealed record ExampleOptions(int Explain = 20, int Test = 10, int Random = 5, int Similar = 5, int Window = 16, int Quantiles = 10, ulong Seed = 0)
{
    public ExampleOptions Validated()
    {
        if (Explain is < 1 or > 200)
            throw new ArgumentOutOfRangeException(nameof(Explain), Explain, "examples shown to the explainer must lie in 1–200.");
        if (Test is < 0 or > 1000 || Random is < 0 or > 1000 || Similar is < 0 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(Test), "held-out example counts must lie in 0–1000.");
        if (Window is < 1 or > 512)
            throw new ArgumentOutOfRangeException(nameof(Window), Window, "the window must lie in 1–512 tokens either side.");
        if (Quantiles is < 1 or > 100)
            throw new ArgumentOutOfRangeException(nameof(Quantiles), Quantiles, "quantiles must lie in 1–100.");
        return this;
    }
}

/// <summary>
/// Draws a feature's examples from a fixed set of documents, as delphi does: the documents where the feature fires are
/// ranked by their peak value and cut into quantiles; held-out test examples are taken first, round-robin over the
/// quantiles (so weak activations are tested, not only the top), then the explainer's examples from what is left,
/// strongest quantile first. Each example is a window around the document's peak token. Negatives are documents where
/// the feature never fires: some at random (window around a random token), some chosen for sharing the most features
/// with the held-out activating documents (Jaccard of the sets of features active anywhere in the document; window around the
/// token most like the activating peaks) — the hard negatives that tell "about black holes" from "a novice's question
/// about black holes". The same seed gives the same examples.
/// </summary>
public sealed class ExampleSampler
{
    private readonly IReadOnlyList<ExampleDocument> _documents;
    private readonly Lazy<int[][]> _featureSets;

    public ExampleSampler(IReadOnlyList<ExampleDocument> documents)
    {
        if (documents.Count == 0)
            throw new ArgumentException("no documents to draw examples from.", nameof(documents));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in documents)
        {
            if (!ids.Add(d.Id))
                throw new ArgumentException($"document id '{d.Id}' appears twice.", nameof(documents));
            if (d.Tokens.Count != d.Features.TokenCount)
                throw new ArgumentException($"document '{d.Id}' has {d.Tokens.Count} tokens but features for {d.Features.TokenCount}.", nameof(documents));
            if (d.Features.FeatureCount != documents[0].Features.FeatureCount)
                throw new ArgumentException($"document '{d.Id}' has {d.Features.FeatureCount} features, '{documents[0].Id}' {documents[0].Features.FeatureCount}.", nameof(documents));
        }
        // An empty answer has no token to show; it is neither an example nor a negative.
        _documents = documents.Where(d => d.Tokens.Count > 0).ToArray();
        if (_documents.Count == 0)
            throw new ArgumentException("every document is empty.", nameof(documents));
        _featureSets = new Lazy<int[][]>(() => _documents.Select(d => d.Features.Indices.Distinct().Order().ToArray()).ToArray());
    }

    public int FeatureCount => _documents[0].Features.FeatureCount;

    public FeatureExampleSet Sample(int feature, ExampleOptions options)
    {
        options = options.Validated();
        if ((uint)feature >= (uint)FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(feature), feature, $"latent {feature} is outside 0..{FeatureCount - 1}.");
        var rng = new Quality.IndexResampler(Statistics.Bootstrap.DeriveSeed(options.Seed, (ulong)feature));
        var values = _documents.Select(d => Values(d, feature)).ToArray();
        var active = Enumerable.Range(0, _documents.Count).Where(i => values[i].Max() > 0)
            .OrderByDescending(i => values[i].Max()).ThenBy(i => i).ToArray();
        int quantiles = Math.Min(options.Quantiles, Math.Max(1, active.Length));
        var bins = Enumerable.Range(0, quantiles).Select(_ => new List<int>()).ToArray();
        var quantileOf = new Dictionary<int, int>();
        for (int rank = 0; rank < active.Length; rank++)
        {
            int q = rank * quantiles / active.Length;
            bins[q].Add(active[rank]);
            quantileOf[active[rank]] = q + 1;
        }
        foreach (var bin in bins)
            rng.Shuffle(bin);

        // Held-out first, at most half of the activating documents, so the explainer always keeps the other half.
        int testCount = Math.Min(options.Test, active.Length / 2);
        var test = RoundRobin(bins, testCount);
        var explain = RoundRobin(bins, options.Explain);

        FeatureExample Activating(int doc) => Window(doc, Peak(values[doc]), ExampleKind.Activating, quantileOf[doc], values[doc], options.Window);
        var inactive = Enumerable.Range(0, _documents.Count).Where(i => values[i].Max() <= 0).ToList();
        var randomDocs = inactive.ToList();
        rng.Shuffle(randomDocs);
        randomDocs = randomDocs.Take(options.Random).ToList();
        var similarDocs = Similar(test.Count > 0 ? test : explain, inactive.Except(randomDocs).ToList(), options.Similar);
        var peakFeatures = active.SelectMany(d => _documents[d].Features.RowIndices(Peak(values[d])).ToArray()).ToHashSet();

        var testExamples = test.Select(Activating)
            .Concat(randomDocs.Select(d => Window(d, rng.Below(_documents[d].Tokens.Count), ExampleKind.Random, 0, values[d], options.Window)))
            .Concat(similarDocs.Select(d => Window(d, MostLike(d, peakFeatures), ExampleKind.Similar, 0, values[d], options.Window)))
            .ToList();
        var conditions = _documents.Select((d, i) => (d, i)).Where(x => x.d.Source == ExampleDocument.PromptSource)
            .GroupBy(x => x.d.Condition, StringComparer.Ordinal)
            .Select(g => new ConditionShare(g.Key, g.Count(), g.Count(x => values[x.i].Max() > 0))).ToArray();
        return new FeatureExampleSet(feature, _documents.Count, active.Length, explain.Select(Activating).ToArray(), testExamples, conditions);
    }

    /// <summary>Takes up to <paramref name="count"/> documents, one per quantile in turn (strongest first), removing them from the bins.</summary>
    private static List<int> RoundRobin(List<int>[] bins, int count)
    {
        var taken = new List<int>();
        while (taken.Count < count && bins.Any(b => b.Count > 0))
        {
            foreach (var bin in bins)
            {
                if (taken.Count == count)
                    break;
                if (bin.Count == 0)
                    continue;
                taken.Add(bin[^1]);
                bin.RemoveAt(bin.Count - 1);
            }
        }
        return taken;
    }

    /// <summary>
    /// The <paramref name="count"/> candidates whose feature sets are closest (Jaccard) to any of <paramref name="active"/>:
    /// the held-out activating documents, which the negatives are scored beside (comparing with every activating
    /// document would cost a feature firing in thousands of documents seconds, for negatives no scorer sees with them).
    /// </summary>
    private List<int> Similar(List<int> active, List<int> candidates, int count)
    {
        if (count == 0 || active.Count == 0 || candidates.Count == 0)
            return [];
        var sets = _featureSets.Value;
        return candidates
            .Select(c => (Doc: c, Score: active.Max(a => Jaccard(sets[c], sets[a]))))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Doc)
            .Take(count).Select(x => x.Doc).ToList();
    }

    /// <summary>|a ∩ b| / |a ∪ b| of two sorted sets of distinct indices (0 for two empty sets).</summary>
    public static double Jaccard(int[] a, int[] b)
    {
        int i = 0, j = 0, both = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                both++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
                i++;
            else
                j++;
        }
        int union = a.Length + b.Length - both;
        return union == 0 ? 0 : (double)both / union;
    }

    /// <summary>The token of document <paramref name="doc"/> with the most features among those active on the activating peaks.</summary>
    private int MostLike(int doc, HashSet<int> peakFeatures)
    {
        var m = _documents[doc].Features;
        int best = 0, bestCount = -1;
        for (int t = 0; t < m.TokenCount; t++)
        {
            int count = 0;
            foreach (int f in m.RowIndices(t))
                count += peakFeatures.Contains(f) ? 1 : 0;
            if (count > bestCount)
                (best, bestCount) = (t, count);
        }
        return best;
    }

    private FeatureExample Window(int doc, int centre, ExampleKind kind, int quantile, float[] values, int window)
    {
        var d = _documents[doc];
        int start = Math.Max(0, centre - window), end = Math.Min(d.Tokens.Count, centre + window + 1);
        return new FeatureExample(d.Id, d.Condition, d.Source, kind, quantile, start, d.Tokens.Skip(start).Take(end - start).ToArray(), values[start..end]);
    }

    private static int Peak(float[] values)
    {
        int best = 0;
        for (int t = 1; t < values.Length; t++)
        {
            if (values[t] > values[best])
                best = t;
        }
        return best;
    }

    private static float[] Values(ExampleDocument d, int feature)
    {
        var m = d.Features;
        var values = new float[m.TokenCount];
        for (int t = 0; t < m.TokenCount; t++)
        {
            int k = m.RowIndices(t).BinarySearch(feature);
            if (k >= 0)
                values[t] = m.RowValues(t)[k];
        }
        return values;
    }
}
