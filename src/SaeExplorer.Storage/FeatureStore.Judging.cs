using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using LiteDB;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Storage;

/// <summary>
/// Answer sets, judge calls and verdicts: one document each, the record as <see cref="StoredJson"/>, so a put is one
/// transaction (a judge killed mid-run keeps every reply it had received) and other tools can read them.
/// </summary>
public sealed partial class FeatureStore : IRunAnswerStore, IJudgeStore
{
    private const string AnswerSetsCollection = "answer_sets";
    private const string JudgeCallsCollection = "judge_calls";
    private const string JudgementsCollection = "judgements";

    private ILiteCollection<BsonDocument> AnswerSets => _db.GetCollection(AnswerSetsCollection);
    private ILiteCollection<BsonDocument> JudgeCalls => _db.GetCollection(JudgeCallsCollection);
    private ILiteCollection<BsonDocument> Judgements => _db.GetCollection(JudgementsCollection);

    public void PutAnswerSet(RunAnswerSet set)
    {
        ThrowIfDisposed();
        RunAnswerSet.CheckArm(set.Arm);
        if (GetRun(set.RunId) is null)
            throw new ArgumentException($"no run '{set.RunId}' in {Path}", nameof(set));
        Guard(() => AnswerSets.Upsert(new BsonDocument
        {
            ["_id"] = set.RunId + "/" + set.Arm,
            ["run_id"] = set.RunId,
            ["arm"] = set.Arm,
            ["json"] = StoredJson.Write(set),
        }));
    }

    public RunAnswerSet? GetAnswerSet(string runId, string arm)
    {
        ThrowIfDisposed();
        var doc = Guard(() => AnswerSets.FindById(runId + "/" + arm));
        return doc is null ? null : Read(doc, StoredJson.ReadAnswerSet);
    }

    public IReadOnlyList<string> ListArms(string runId)
    {
        ThrowIfDisposed();
        return Guard(() => AnswerSets.Find(Query.EQ("run_id", runId)).Select(d => d["arm"].AsString)
            .OrderBy(a => a == RunAnswerSet.BaselineArm ? 0 : 1).ThenBy(a => a, StringComparer.Ordinal).ToList());
    }

    public bool TryGetCall(string key, [NotNullWhen(true)] out JudgeCall? call)
    {
        ThrowIfDisposed();
        CheckKey(key);
        var doc = Guard(() => JudgeCalls.FindById(key));
        call = doc is null ? null : Read(doc, StoredJson.ReadCall);
        return call is not null;
    }

    public void PutCall(JudgeCall call)
    {
        ThrowIfDisposed();
        CheckKey(call.Key);
        Guard(() => JudgeCalls.Upsert(new BsonDocument { ["_id"] = call.Key, ["json"] = StoredJson.Write(call) }));
    }

    public void PutJudgements(JudgementSet set)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrWhiteSpace(set.JudgeModel);
        Guard(() => Judgements.Upsert(new BsonDocument
        {
            ["_id"] = set.RunId + "/" + set.JudgeModel,
            ["run_id"] = set.RunId,
            ["judge_model"] = set.JudgeModel,
            ["json"] = StoredJson.Write(set),
        }));
    }

    public JudgementSet? GetJudgements(string runId, string judgeModel)
    {
        ThrowIfDisposed();
        var doc = Guard(() => Judgements.FindById(runId + "/" + judgeModel));
        return doc is null ? null : Read(doc, StoredJson.ReadJudgements);
    }

    public IReadOnlyList<string> ListJudges(string runId)
    {
        ThrowIfDisposed();
        return Guard(() => Judgements.Find(Query.EQ("run_id", runId)).Select(d => d["judge_model"].AsString)
            .OrderBy(m => m, StringComparer.Ordinal).ToList());
    }

    private T Read<T>(BsonDocument doc, Func<string, T> parse)
    {
        try
        {
            return parse(doc["json"].AsString);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidCastException)
        {
            throw new StoreException(Path, $"{Path} holds an unreadable {typeof(T).Name} ({ex.Message}); delete the store or rerun the step that wrote it", ex);
        }
    }
}
