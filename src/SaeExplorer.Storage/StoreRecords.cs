using SaeExplorer.Core.Features;

namespace SaeExplorer.Storage;

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

/// <summary>What a new run is about; <see cref="FeatureStore.CreateRun"/> adds the id, the start time and the status.</summary>
public sealed record RunSpec(
    string ExperimentName,
    string ModelFingerprint,
    string SaeFingerprint,
    int Layer,
    string ChatFormat,
    PoolingMethod Pooling,
    int PromptCount);

/// <summary>
/// One pass of an experiment through a model and SAE. <see cref="ComputedCount"/> prompts went through the model,
/// <see cref="CachedCount"/> were found in the store. A run whose process died stays <see cref="RunStatus.Running"/>:
/// the store cannot tell a live run from a dead one, the caller can (it holds the store's lock).
/// </summary>
public sealed record RunRecord(
    string RunId,
    string ExperimentName,
    string ModelFingerprint,
    string SaeFingerprint,
    int Layer,
    string ChatFormat,
    PoolingMethod Pooling,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    RunStatus Status,
    int PromptCount,
    int ComputedCount,
    int CachedCount,
    string? Error);

/// <summary>A researcher's name and notes for one SAE latent; labels belong to an SAE's content fingerprint.</summary>
public sealed record FeatureLabel(string SaeFingerprint, int Feature, string Label, string Notes, DateTimeOffset UpdatedAt);
