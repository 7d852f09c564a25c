using LiteDB;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Runs.Contracts;

namespace SaeExplorer.Storage;

/// <summary>
/// Feature explanations: one document each, the record as <see cref="StoredJson"/> (tens of kilobytes with its
/// examples and scored questions), and beside it, in a collection of its own, the summary tables need (text and
/// scores), so listing the explanations of thousands of features for every Live update reads no examples.
/// </summary>
public sealed partial class FeatureStore : IExplanationStore
{
    private const string ExplanationsCollection = "explanations";
    private const string ExplanationSummariesCollection = "explanation_summaries";

    private ILiteCollection<BsonDocument> Explanations => _db.GetCollection(ExplanationsCollection);
    private ILiteCollection<BsonDocument> ExplanationSummaries => _db.GetCollection(ExplanationSummariesCollection);

    public void PutExplanation(FeatureExplanation explanation)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrWhiteSpace(explanation.SaeFingerprint);
        ArgumentException.ThrowIfNullOrWhiteSpace(explanation.ExplainerModel);
        ArgumentOutOfRangeException.ThrowIfNegative(explanation.Feature);
        var summary = ExplanationSummary.From(explanation);
        var id = $"{explanation.SaeFingerprint}/{explanation.Feature}/{explanation.RunId}/{explanation.ExplainerModel}";
        Guard(() =>
        {
            _db.BeginTrans();
            try
            {
                var full = Explanations;
                full.EnsureIndex("sae");
                full.Upsert(new BsonDocument
                {
                    ["_id"] = id,
                    ["sae"] = explanation.SaeFingerprint,
                    ["feature"] = explanation.Feature,
                    ["json"] = StoredJson.Write(explanation),
                });
                var summaries = ExplanationSummaries;
                summaries.EnsureIndex("sae");
                summaries.Upsert(new BsonDocument
                {
                    ["_id"] = id,
                    ["sae"] = explanation.SaeFingerprint,
                    ["feature"] = explanation.Feature,
                    ["ok"] = explanation.Outcome == ExplanationOutcomes.Ok,
                    ["text"] = summary.Text,
                    ["detection"] = summary.Detection is { } d ? d : BsonValue.Null,
                    ["fuzzing"] = summary.Fuzzing is { } f ? f : BsonValue.Null,
                    ["explainer"] = explanation.ExplainerModel,
                    ["run_id"] = explanation.RunId,
                    ["created"] = explanation.CreatedAt.ToUnixTimeMilliseconds(),
                });
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }
            return 0;
        });
    }

    public IReadOnlyList<FeatureExplanation> GetExplanations(string saeFingerprint, int feature)
    {
        ThrowIfDisposed();
        return Guard(() => Explanations.Find(Query.And(Query.EQ("sae", saeFingerprint), Query.EQ("feature", feature))).ToList())
            .Select(d => Read(d, StoredJson.ReadExplanation))
            .OrderByDescending(e => e.CreatedAt).ThenBy(e => e.ExplainerModel, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyDictionary<int, ExplanationSummary> LatestExplanations(string saeFingerprint)
    {
        ThrowIfDisposed();
        var docs = Guard(() => ExplanationSummaries.Find(Query.And(Query.EQ("sae", saeFingerprint), Query.EQ("ok", true))).ToList());
        return docs
            .Select(d => new ExplanationSummary(d["feature"].AsInt32, d["text"].AsString, Number(d["detection"]), Number(d["fuzzing"]),
                d["explainer"].AsString, d["run_id"].AsString, DateTimeOffset.FromUnixTimeMilliseconds(d["created"].AsInt64)))
            .GroupBy(s => s.Feature)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.CreatedAt).ThenBy(s => s.ExplainerModel, StringComparer.Ordinal).First());
    }

    private static double? Number(BsonValue value) => value.IsNull ? null : value.AsDouble;
}
