using SaeExplorer.Core.Features;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Runs;

/// <summary>A named experiment and the prompt set it was created with (as JSON, stored verbatim).</summary>
public sealed record ExperimentRecord(string Name, string PromptSetJson, DateTimeOffset CreatedAt);

public enum RunStatus
{
    Running,
    Completed,
    Failed,
    /// <summary>Stopped by the user; the prompts stored before the stop stay in the cache.</summary>
    Cancelled,
}

/// <summary>
/// Everything a prompt's cached result depends on apart from its tokens: a cache key is this plus the token ids
/// (<see cref="Core.Experiments.FeatureCacheKey"/>). A run records it whole, so reopening a run finds exactly its own
/// results or none. <see cref="BatchSize"/> is null only for runs recorded before it was kept (their keys lack it).
/// </summary>
public sealed record CacheIdentity(string ModelFingerprint, string SaeFingerprint, int Layer, ComputeDType DType, string ChatFormat, int? BatchSize)
{
    public string Key(ReadOnlySpan<int> tokenIds) =>
        Core.Experiments.FeatureCacheKey.Compute(ModelFingerprint, SaeFingerprint, Layer, DType.Name(), ChatFormat, BatchSize, tokenIds);
}

/// <summary>What a new run is about; <see cref="IRunStore.CreateRun"/> adds the id, the start time and the status.</summary>
/// <param name="PromptSetHash">SHA-256 of the prompt set's JSON, so a run is never reopened over an edited set</param>
/// <param name="ModelPath">where the model was read from (the fingerprint says what it was; this says where to find it again)</param>
/// <param name="SaePath">where the SAE was read from</param>
public sealed record RunSpec(string ExperimentName, string PromptSetHash, CacheIdentity Identity, PoolingMethod Pooling, int PromptCount,
    string? ModelPath = null, string? SaePath = null);

/// <summary>
/// One pass of an experiment through a model and SAE. <see cref="ComputedCount"/> prompts went through the model,
/// <see cref="CachedCount"/> were found in the store. A run whose process died stays <see cref="RunStatus.Running"/>:
/// the store cannot tell a live run from a dead one, the caller can (it holds the store's lock).
/// <see cref="Identity"/> is null for runs recorded before runs kept their dtype: their cache keys cannot be rebuilt.
/// <see cref="ModelPath"/> and <see cref="SaePath"/> (null for runs recorded before they were kept) say where the files
/// were, so a run of another model can offer to load it.
/// </summary>
public sealed record RunRecord(
    string RunId,
    string ExperimentName,
    string? PromptSetHash,
    string ModelFingerprint,
    string SaeFingerprint,
    int Layer,
    ComputeDType? DType,
    string ChatFormat,
    int? BatchSize,
    PoolingMethod Pooling,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    RunStatus Status,
    int PromptCount,
    int ComputedCount,
    int CachedCount,
    string? Error,
    string? ModelPath = null,
    string? SaePath = null)
{
    public CacheIdentity? Identity => DType is { } dtype ? new CacheIdentity(ModelFingerprint, SaeFingerprint, Layer, dtype, ChatFormat, BatchSize) : null;
}
