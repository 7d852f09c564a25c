using System.Diagnostics.CodeAnalysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Experiments;

/// <summary>
/// The cached result of one prompt: its exact token ids, the SAE features of every token, the positions of the
/// user's tokens (for <see cref="PoolingMethod.User"/>), and the raw residual stream pooled each way
/// (<see cref="PooledActivations"/>, [d_model] each, in <see cref="ActivationPooling.StoredOrder"/>) for the raw-activation views, which would be far
/// too large to keep per token.
/// </summary>
public sealed record CachedPrompt(int[] TokenIds, SparseFeatureMatrix Features, int[] UserTokenPositions, float[][] PooledActivations);

/// <summary>
/// Where per-prompt results live between runs, so nothing is computed twice. Keys come from
/// <see cref="FeatureCacheKey"/>; each <see cref="Put"/> is atomic, so a run killed at any moment keeps every prompt
/// it finished.
/// </summary>
public interface IFeatureCache
{
    bool TryGet(string key, [NotNullWhen(true)] out CachedPrompt? prompt);

    void Put(string key, CachedPrompt prompt);

    IReadOnlyList<string> MissingKeys(IEnumerable<string> keys);
}

/// <summary>An in-memory cache, for tests and one-off runs without a store.</summary>
public sealed class MemoryFeatureCache : IFeatureCache
{
    private readonly Dictionary<string, CachedPrompt> _items = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public bool TryGet(string key, [NotNullWhen(true)] out CachedPrompt? prompt) => _items.TryGetValue(key, out prompt);

    public void Put(string key, CachedPrompt prompt) => _items[key] = prompt;

    public IReadOnlyList<string> MissingKeys(IEnumerable<string> keys) => keys.Where(k => !_items.ContainsKey(k)).ToList();
}
