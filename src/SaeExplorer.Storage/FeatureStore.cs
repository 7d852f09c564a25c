using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Experiments;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LiteDB;
using SaeExplorer.Core.Features;
using SaeExplorer.Core.Fingerprints;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Storage;

/// <summary>
/// The experiment cache: one LiteDB file holding experiments, runs and the SAE features of every prompt ever
/// computed, keyed by <see cref="FeatureCacheKey"/>, so that nothing is computed twice and a killed run resumes.
/// <para>
/// Durability: every <see cref="PutFeatures"/> is one LiteDB transaction. LiteDB 5.0.21 writes a committed
/// transaction's pages into <c>&lt;name&gt;-log&lt;ext&gt;</c> before the call returns (plain writes, no fsync), with the
/// last page flagged as confirmed; on the next open it replays confirmed transactions and ignores the rest. So a
/// killed process loses at most the prompt it was writing, never part of one. A power cut can lose more, since
/// nothing forces the OS cache to disk — the cache can be recomputed, so speed wins here.
/// </para>
/// <para>Not thread-affine, but one instance per process and file: see <see cref="StoreLock"/>.</para>
/// </summary>
public sealed partial class FeatureStore : IFeatureCache, IRunStore, IAnswerStore, IDisposable
{
    public const string FormatName = "saex.store";
    public const int SchemaVersion = 1;

    private const string MetaCollection = "meta";
    private const string ExperimentsCollection = "experiments";
    private const string RunsCollection = "runs";
    private const string PromptsCollection = "prompt_features";
    private const string LabelsCollection = "feature_labels";
    private const string AnswersCollection = "answers";
    private const string MetaId = "store";
    private const int MaxCacheKeyLength = 256;

    private readonly StoreLock _lock;
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _experiments;
    private readonly ILiteCollection<BsonDocument> _runs;
    private readonly ILiteCollection<BsonDocument> _prompts;
    private readonly ILiteCollection<BsonDocument> _labels;
    private readonly ILiteCollection<BsonDocument> _answers;
    private bool _disposed;

    /// <summary>
    /// Set when a read or write failed at the file system (a full disk, a file-size limit): LiteDB's engine may then be
    /// left holding its own locks, so closing must not try to write again, and must not hide that failure.
    /// </summary>
    private bool _ioFailed;

    private FeatureStore(string path, string logPath, StoreLock storeLock, LiteDatabase db)
    {
        Path = path;
        LogPath = logPath;
        _lock = storeLock;
        _db = db;
        _experiments = db.GetCollection(ExperimentsCollection);
        _runs = db.GetCollection(RunsCollection);
        _prompts = db.GetCollection(PromptsCollection);
        _labels = db.GetCollection(LabelsCollection);
        _answers = db.GetCollection(AnswersCollection);
    }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>LiteDB's write-ahead log next to it; it exists only while a store is open or after a crash.</summary>
    public string LogPath { get; }

    /// <summary>Bytes on disk now: the database file plus its log.</summary>
    public long FileSizeBytes
    {
        get
        {
            ThrowIfDisposed();
            long size = new FileInfo(Path).Length;
            var log = new FileInfo(LogPath);
            return log.Exists ? size + log.Length : size;
        }
    }

    /// <summary>How many prompts have features stored.</summary>
    public int PromptCount
    {
        get
        {
            ThrowIfDisposed();
            return Guard(() => _prompts.Count());
        }
    }

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating it (and its folder) if absent. Throws
    /// <see cref="StoreException"/> with a one-line message when the path is a folder, the file is not a saex store
    /// or is damaged, or another process has it open.
    /// </summary>
    public static FeatureStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        // The real path: a store reached through a symlink is the file it points to, with its log and lock beside it.
        string fullPath = FileIdentity.RealPath(path);
        if (Directory.Exists(fullPath))
            throw new StoreException(fullPath, $"{fullPath} is a directory, not a store file; pass a file path such as {System.IO.Path.Combine(fullPath, "features.db")} as the store");
        string? folder = System.IO.Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(folder))
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new StoreException(fullPath, $"cannot create the folder for {fullPath}: {ex.Message}; give a store path in a writable folder", ex);
            }
        }
        string logPath = FileHelperLogPath(fullPath);

        // Lock before looking at the file: another process may be in the middle of creating or checkpointing it.
        var storeLock = StoreLock.Acquire(fullPath);
        LiteDatabase? db = null;
        try
        {
            if (File.Exists(fullPath))
                LiteDbFileCheck.ThrowIfNotLiteDb(fullPath, logPath);
            var opened = OpenLiteDb(fullPath);
            db = opened;
            var meta = opened.GetCollection(MetaCollection);
            CheckOrWriteMeta(fullPath, opened, meta);
            // A log left by a killed process has just been replayed into LiteDB's index; folding it into the data
            // file now means a second crash starts from a clean file.
            Corrupted(fullPath, () =>
            {
                opened.Checkpoint();
                return true;
            });
            storeLock.AcquireByIdentity(fullPath);
            var store = new FeatureStore(fullPath, logPath, storeLock, opened);
            Corrupted(fullPath, () =>
            {
                store._runs.EnsureIndex("experiment");
                return store._prompts.Count();
            });
            return store;
        }
        catch
        {
            try
            {
                db?.Dispose();
            }
            catch (Exception)
            {
                // The error being thrown says why the store could not open; LiteDB failing to close after it adds nothing.
            }
            storeLock.Dispose();
            throw;
        }
    }

    public bool TryGet(string cacheKey, [NotNullWhen(true)] out CachedPrompt? prompt)
    {
        ThrowIfDisposed();
        CheckKey(cacheKey);
        var doc = Guard(() => _prompts.FindById(cacheKey));
        if (doc is null)
        {
            prompt = null;
            return false;
        }
        prompt = ReadPrompt(cacheKey, doc);
        return true;
    }

    /// <summary>
    /// Stores (or replaces) one prompt in a single transaction: after a crash the prompt is either all there or
    /// absent. Throws <see cref="ArgumentException"/> if the parts disagree (token counts, positions out of range).
    /// </summary>
    public void Put(string cacheKey, CachedPrompt prompt)
    {
        ThrowIfDisposed();
        CheckKey(cacheKey);
        ArgumentNullException.ThrowIfNull(prompt);
        int tokens = prompt.TokenIds.Length;
        if (prompt.Features.TokenCount != tokens)
            throw new ArgumentException($"features cover {prompt.Features.TokenCount} tokens but there are {tokens} token ids", nameof(prompt));
        int previous = -1;
        foreach (int position in prompt.UserTokenPositions)
        {
            if (position <= previous || position >= tokens)
                throw new ArgumentException($"user token position {position} is out of range 0..{tokens - 1} or not ascending", nameof(prompt));
            previous = position;
        }

        var doc = new BsonDocument
        {
            ["_id"] = cacheKey,
            ["token_ids"] = IntsToBytes(prompt.TokenIds),
            ["user_positions"] = IntsToBytes(prompt.UserTokenPositions),
            ["features"] = SparseFeatureCodec.Encode(prompt.Features),
            ["pooled_activations"] = PooledActivationCodec.Encode(prompt.PooledActivations),
            ["stored_at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        Guard(() => _prompts.Upsert(doc));
    }

    public bool TryGetAnswer(string key, [NotNullWhen(true)] out StoredAnswer? answer)
    {
        ThrowIfDisposed();
        CheckKey(key);
        var doc = Guard(() => _answers.FindById(key));
        if (doc is null)
        {
            answer = null;
            return false;
        }
        answer = Corrupted(Path, () => new StoredAnswer(
            BytesToInts(doc["prompt_ids"].AsBinary),
            BytesToInts(doc["new_ids"].AsBinary),
            doc["finish_reason"].AsString,
            doc["seconds"].AsDouble,
            doc["features"].IsNull ? null : SparseFeatureCodec.Decode(doc["features"].AsBinary)));
        return true;
    }

    public bool ContainsAnswer(string key)
    {
        ThrowIfDisposed();
        CheckKey(key);
        return Guard(() => _answers.Exists(Query.EQ("_id", key)));
    }

    /// <summary>Stores (or replaces) one answer in a single transaction: after a crash it is all there or absent.</summary>
    public void PutAnswer(string key, StoredAnswer answer)
    {
        ThrowIfDisposed();
        CheckKey(key);
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Features is { } f && f.TokenCount != answer.NewIds.Length)
            throw new ArgumentException($"features cover {f.TokenCount} tokens but the answer has {answer.NewIds.Length}", nameof(answer));
        var doc = new BsonDocument
        {
            ["_id"] = key,
            ["prompt_ids"] = IntsToBytes(answer.PromptIds),
            ["new_ids"] = IntsToBytes(answer.NewIds),
            ["finish_reason"] = answer.FinishReason,
            ["seconds"] = answer.Seconds,
            ["features"] = answer.Features is null ? BsonValue.Null : SparseFeatureCodec.Encode(answer.Features),
            ["stored_at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        Guard(() => _answers.Upsert(doc));
    }

    /// <summary>The keys of <paramref name="cacheKeys"/> that have no stored features, in the given order, without duplicates.</summary>
    public IReadOnlyList<string> MissingKeys(IEnumerable<string> cacheKeys)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(cacheKeys);
        var missing = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string key in cacheKeys)
        {
            CheckKey(key);
            if (seen.Add(key) && !Guard(() => _prompts.Exists(Query.EQ("_id", key))))
                missing.Add(key);
        }
        return missing;
    }

    /// <summary>The cache keys of every stored prompt.</summary>
    public IReadOnlyList<string> StoredKeys()
    {
        ThrowIfDisposed();
        return Guard(() =>
        {
            using var reader = _db.Execute($"SELECT $._id FROM {PromptsCollection}");
            var keys = new List<string>();
            while (reader.Read())
                keys.Add(reader.Current["_id"].AsString);
            return keys;
        });
    }

    /// <summary>
    /// Records an experiment, or returns the one already stored under that name if its prompt set is the same JSON.
    /// A different prompt set under an existing name is refused: runs of the old set would be mixed with the new one.
    /// </summary>
    public ExperimentRecord CreateOrGetExperiment(string name, string promptSetJson)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(promptSetJson);
        try
        {
            using var _ = JsonDocument.Parse(promptSetJson);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"prompt set of experiment '{name}' is not valid JSON: {ex.Message}", nameof(promptSetJson), ex);
        }

        var existing = GetExperiment(name);
        if (existing is not null)
        {
            if (existing.PromptSetJson != promptSetJson)
                throw new StoreException(Path, $"{Path} already has an experiment '{name}' with a different prompt set; choose another experiment name");
            return existing;
        }
        var record = new ExperimentRecord(name, promptSetJson, TruncateToMilliseconds(DateTimeOffset.UtcNow));
        Guard(() => _experiments.Insert(new BsonDocument
        {
            ["_id"] = record.Name,
            ["prompt_set"] = record.PromptSetJson,
            ["created_at"] = record.CreatedAt.ToUnixTimeMilliseconds(),
        }));
        return record;
    }

    public ExperimentRecord? GetExperiment(string name)
    {
        ThrowIfDisposed();
        var doc = Guard(() => _experiments.FindById(name));
        return doc is null ? null : ReadExperiment(doc);
    }

    public IReadOnlyList<ExperimentRecord> ListExperiments()
    {
        ThrowIfDisposed();
        return Guard(() => _experiments.FindAll().Select(ReadExperiment).OrderBy(e => e.CreatedAt).ThenBy(e => e.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>Starts a run: a new id, the start time now, status <see cref="RunStatus.Running"/>, no prompts done.</summary>
    public RunRecord CreateRun(RunSpec spec)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec.ExperimentName);
        if (GetExperiment(spec.ExperimentName) is null)
            throw new ArgumentException($"no experiment '{spec.ExperimentName}' in {Path}; create it first", nameof(spec));
        var started = TruncateToMilliseconds(DateTimeOffset.UtcNow);
        // Sortable by start time and readable in a listing; the random suffix separates runs of the same second.
        string runId = $"{started:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var id = spec.Identity;
        var run = new RunRecord(runId, spec.ExperimentName, spec.PromptSetHash, id.ModelFingerprint, id.SaeFingerprint, id.Layer, id.DType, id.ChatFormat,
            id.BatchSize, spec.Pooling, started, null, RunStatus.Running, spec.PromptCount, 0, 0, null, spec.ModelPath, spec.SaePath);
        Guard(() => _runs.Insert(WriteRun(run)));
        return run;
    }

    /// <summary>Replaces a run's record (progress counts, completion, failure); the run must exist.</summary>
    public void UpdateRun(RunRecord run)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(run);
        if (!Guard(() => _runs.Update(WriteRun(run))))
            throw new ArgumentException($"no run '{run.RunId}' in {Path}", nameof(run));
    }

    public RunRecord? GetRun(string runId)
    {
        ThrowIfDisposed();
        var doc = Guard(() => _runs.FindById(runId));
        return doc is null ? null : ReadRun(doc);
    }

    /// <summary>All runs, or those of one experiment, oldest first.</summary>
    public IReadOnlyList<RunRecord> ListRuns(string? experimentName = null)
    {
        ThrowIfDisposed();
        return Guard(() =>
        {
            var docs = experimentName is null ? _runs.FindAll() : _runs.Find(Query.EQ("experiment", experimentName));
            return docs.Select(ReadRun).OrderBy(r => r.StartedAt).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
        });
    }

    /// <summary>The user's label and notes for one latent of one SAE (labels belong to the SAE's content fingerprint), or null.</summary>
    public FeatureLabel? GetLabel(string saeFingerprint, int feature)
    {
        ThrowIfDisposed();
        var doc = Guard(() => _labels.FindById(LabelId(saeFingerprint, feature)));
        return doc is null ? null : ReadLabel(doc);
    }

    /// <summary>Every label of one SAE, by feature index.</summary>
    public IReadOnlyDictionary<int, FeatureLabel> Labels(string saeFingerprint)
    {
        ThrowIfDisposed();
        return Guard(() => _labels.Find(Query.EQ("sae", saeFingerprint)).Select(ReadLabel).ToDictionary(l => l.Feature));
    }

    /// <summary>Saves (or, with an empty label and notes, removes) a latent's label.</summary>
    public void SetLabel(FeatureLabel label)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(label);
        ArgumentException.ThrowIfNullOrWhiteSpace(label.SaeFingerprint);
        ArgumentOutOfRangeException.ThrowIfNegative(label.Feature);
        if ((label.Label?.Length ?? 0) > FeatureLabel.MaxLabelLength)
            throw new ArgumentException($"the label of feature {label.Feature} has {label.Label!.Length:N0} characters; a label is at most {FeatureLabel.MaxLabelLength} (put the rest in the notes).");
        if ((label.Notes?.Length ?? 0) > FeatureLabel.MaxNotesLength)
            throw new ArgumentException($"the notes of feature {label.Feature} have {label.Notes!.Length:N0} characters; notes are at most {FeatureLabel.MaxNotesLength:N0}.");
        string id = LabelId(label.SaeFingerprint, label.Feature);
        if (string.IsNullOrWhiteSpace(label.Label) && string.IsNullOrWhiteSpace(label.Notes))
        {
            Guard(() => _labels.Delete(id));
            return;
        }
        Guard(() => _labels.Upsert(new BsonDocument
        {
            ["_id"] = id,
            ["sae"] = label.SaeFingerprint,
            ["feature"] = label.Feature,
            ["label"] = label.Label ?? "",
            ["notes"] = label.Notes ?? "",
            ["updated_at"] = label.UpdatedAt.ToUnixTimeMilliseconds(),
        }));
    }

    /// <summary>Saves many labels in one transaction (an import), keeping existing notes where the import has none.</summary>
    public int ImportLabels(string saeFingerprint, IEnumerable<(int Feature, string Label)> labels)
    {
        ThrowIfDisposed();
        var list = labels.ToList();
        var now = TruncateToMilliseconds(DateTimeOffset.UtcNow);
        Guard(() =>
        {
            _db.BeginTrans();
            try
            {
                foreach (var (feature, text) in list)
                    SetLabel(new FeatureLabel(saeFingerprint, feature, text, GetLabel(saeFingerprint, feature)?.Notes ?? "", now));
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }
            return true;
        });
        return list.Count;
    }

    private static string LabelId(string saeFingerprint, int feature) => $"{saeFingerprint}:{feature}";

    private static FeatureLabel ReadLabel(BsonDocument doc) => new(doc["sae"].AsString, doc["feature"].AsInt32, doc["label"].AsString,
        doc["notes"].AsString, DateTimeOffset.FromUnixTimeMilliseconds(doc["updated_at"].AsInt64));

    /// <summary>
    /// Folds the write-ahead log into the database file, closes it and releases the lock. After a failed read or write
    /// nothing more is written: the log keeps every committed transaction and the next open replays it, and an error
    /// from LiteDB's broken state here would replace the one the caller is reporting (a full disk looked like a lock
    /// error).
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            try
            {
                if (!_ioFailed)
                    Guard(() =>
                    {
                        _db.Checkpoint();
                        return true;
                    });
            }
            finally
            {
                CloseLiteDb();
            }
        }
        finally
        {
            // After LiteDB has closed its files: the next opener must find them quiet.
            _lock.Dispose();
        }
    }

    private void CloseLiteDb()
    {
        try
        {
            _db.Dispose();
        }
        catch (Exception) when (_ioFailed)
        {
            // The engine tripped over its own locks after the failed write; the file handles close with the process
            // and the log is replayed on the next open.
        }
    }

    private static LiteDatabase OpenLiteDb(string path)
    {
        var connection = new ConnectionString
        {
            Filename = path,
            Connection = ConnectionType.Direct,
            // Never let LiteDB rewrite a file on its own (v4 upgrade, auto-rebuild): a damaged store is reported.
            Upgrade = false,
            AutoRebuild = false,
        };
        return Corrupted(path, () => new LiteDatabase(connection));
    }

    private static void CheckOrWriteMeta(string path, LiteDatabase db, ILiteCollection<BsonDocument> meta)
    {
        var (names, doc) = Corrupted(path, () => (db.GetCollectionNames().ToList(), meta.FindById(MetaId)));
        if (doc is null)
        {
            if (names.Count > 0)
                throw new StoreException(path, $"{path} is a LiteDB database but not a saex feature store (collections: {string.Join(", ", names)}); use a new store file");
            Corrupted(path, () => meta.Insert(new BsonDocument
            {
                ["_id"] = MetaId,
                ["format"] = FormatName,
                ["schema_version"] = SchemaVersion,
                ["created_at"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            }));
            return;
        }
        if (!doc["format"].IsString || doc["format"].AsString != FormatName)
            throw new StoreException(path, $"{path} is a LiteDB database but not a saex feature store (meta format is {doc["format"]}, expected \"{FormatName}\"); use a new store file");
        if (!doc["schema_version"].IsInt32)
            throw new StoreException(path, $"{path} has a saex meta document without a schema version; it is damaged: delete it so the features are computed again");
        int version = doc["schema_version"].AsInt32;
        if (version > SchemaVersion)
            throw new StoreException(path, $"{path} was written by a newer saex (store schema {version}, this build reads {SchemaVersion}); upgrade saex or use another store file");
        if (version < SchemaVersion)
            throw new StoreException(path, $"{path} has store schema {version}, which this build ({SchemaVersion}) cannot read; delete it so the features are computed again");
    }

    private CachedPrompt ReadPrompt(string cacheKey, BsonDocument doc)
    {
        try
        {
            var tokens = BytesToInts(doc["token_ids"].AsBinary);
            var positions = BytesToInts(doc["user_positions"].AsBinary);
            var features = SparseFeatureCodec.Decode(doc["features"].AsBinary);
            if (features.TokenCount != tokens.Length)
                throw new InvalidDataException($"features cover {features.TokenCount} tokens, token ids {tokens.Length}");
            var pooled = PooledActivationCodec.Decode(doc["pooled_activations"].AsBinary);
            return new CachedPrompt(tokens, features, positions, pooled);
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidCastException or NullReferenceException)
        {
            throw new StoreException(Path, $"{Path} holds damaged features for key {cacheKey} ({ex.Message}); delete the store so they are computed again", ex);
        }
    }

    private static ExperimentRecord ReadExperiment(BsonDocument doc) =>
        new(doc["_id"].AsString, doc["prompt_set"].AsString, DateTimeOffset.FromUnixTimeMilliseconds(doc["created_at"].AsInt64));

    private static BsonDocument WriteRun(RunRecord run) => new()
    {
        ["_id"] = run.RunId,
        ["experiment"] = run.ExperimentName,
        ["prompt_set_hash"] = run.PromptSetHash is null ? BsonValue.Null : new BsonValue(run.PromptSetHash),
        ["model_fingerprint"] = run.ModelFingerprint,
        ["sae_fingerprint"] = run.SaeFingerprint,
        ["layer"] = run.Layer,
        ["dtype"] = run.DType is { } dtype ? new BsonValue(dtype.Name()) : BsonValue.Null,
        ["chat_format"] = run.ChatFormat,
        ["batch_size"] = run.BatchSize is { } batchSize ? new BsonValue(batchSize) : BsonValue.Null,
        ["pooling"] = run.Pooling.ToString(),
        ["started_at"] = run.StartedAt.ToUnixTimeMilliseconds(),
        ["finished_at"] = run.FinishedAt is { } finished ? new BsonValue(finished.ToUnixTimeMilliseconds()) : BsonValue.Null,
        ["status"] = run.Status.ToString().ToLowerInvariant(),
        ["prompt_count"] = run.PromptCount,
        ["computed_count"] = run.ComputedCount,
        ["cached_count"] = run.CachedCount,
        ["error"] = run.Error is null ? BsonValue.Null : new BsonValue(run.Error),
        ["model_path"] = run.ModelPath is null ? BsonValue.Null : new BsonValue(run.ModelPath),
        ["sae_path"] = run.SaePath is null ? BsonValue.Null : new BsonValue(run.SaePath),
    };

    private static RunRecord ReadRun(BsonDocument doc) => new(
        doc["_id"].AsString,
        doc["experiment"].AsString,
        OptionalString(doc, "prompt_set_hash"),
        doc["model_fingerprint"].AsString,
        doc["sae_fingerprint"].AsString,
        doc["layer"].AsInt32,
        // Runs recorded before the dtype was kept have none: they cannot be reopened (RunLifecycle.Reopen says so).
        OptionalString(doc, "dtype") is { } dtype ? ComputeDTypes.Parse(dtype) : null,
        doc["chat_format"].AsString,
        // Runs recorded before the batch size was kept have none: their prompts were keyed without it.
        doc.TryGetValue("batch_size", out var batchSize) && batchSize.IsInt32 ? batchSize.AsInt32 : null,
        Enum.Parse<PoolingMethod>(doc["pooling"].AsString),
        DateTimeOffset.FromUnixTimeMilliseconds(doc["started_at"].AsInt64),
        doc["finished_at"].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(doc["finished_at"].AsInt64),
        Enum.Parse<RunStatus>(doc["status"].AsString, ignoreCase: true),
        doc["prompt_count"].AsInt32,
        doc["computed_count"].AsInt32,
        doc["cached_count"].AsInt32,
        doc["error"].IsNull ? null : doc["error"].AsString,
        OptionalString(doc, "model_path"),
        OptionalString(doc, "sae_path"));

    private static string? OptionalString(BsonDocument doc, string name) =>
        doc.TryGetValue(name, out var value) && value.IsString ? value.AsString : null;

    private static void CheckKey(string cacheKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheKey);
        if (cacheKey.Length > MaxCacheKeyLength)
            throw new ArgumentException($"cache key is {cacheKey.Length} characters; at most {MaxCacheKeyLength}", nameof(cacheKey));
    }

    private T Guard<T>(Func<T> action)
    {
        try
        {
            return Corrupted(Path, action);
        }
        catch (StoreException ex) when (ex.InnerException is IOException || IsFileTooLarge(ex.InnerException))
        {
            _ioFailed = true;
            throw;
        }
    }

    /// <summary>
    /// LiteDB reports a damaged file with <see cref="LiteException"/>, and sometimes with whatever its page reader
    /// trips over (index or cast errors on garbage pages); both become one-line <see cref="StoreException"/>s.
    /// </summary>
    private static T Corrupted<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (IOException ex) when (UserErrors.IsDiskFull(ex))
        {
            throw new StoreException(path, $"disk full while writing {path} ({ex.Message}); free some space and run again: everything stored before is kept", ex);
        }
        catch (Exception ex) when (IsFileTooLarge(ex))
        {
            throw new StoreException(path, $"the file system refused to let {path} grow ({ex.Message}); allow larger files (ulimit -f) or move the store to a file system that does, then run again: everything stored before is kept", ex);
        }
        catch (IOException ex)
        {
            throw new StoreException(path, $"cannot read or write {path}: {ex.Message}; check the disk and the file's permissions", ex);
        }
        catch (Exception ex) when (ex is LiteException or IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidCastException or OverflowException)
        {
            throw new StoreException(path, $"{path} is corrupted or unreadable ({FirstLine(ex.Message)}); restore it from a backup or delete it so the features are computed again", ex);
        }
    }

    /// <summary>
    /// A write past the largest file the file system or the process's size limit allows (EFBIG): .NET reports it as an
    /// ArgumentOutOfRangeException from its file writer, which would otherwise read as a damaged store and bring the
    /// advice to delete it.
    /// </summary>
    private static bool IsFileTooLarge(Exception? ex) =>
        ex is ArgumentOutOfRangeException { TargetSite.DeclaringType: { } site } && site == typeof(RandomAccess);

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static string FileHelperLogPath(string path) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? "",
            System.IO.Path.GetFileNameWithoutExtension(path) + "-log" + System.IO.Path.GetExtension(path));

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static byte[] IntsToBytes(int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    private static int[] BytesToInts(byte[] bytes)
    {
        if (bytes.Length % 4 != 0)
            throw new InvalidDataException($"an int array of {bytes.Length} bytes");
        var values = new int[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i));
        return values;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
