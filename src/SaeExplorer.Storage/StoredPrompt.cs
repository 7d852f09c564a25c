using SaeExplorer.Core.Features;

namespace SaeExplorer.Storage;

/// <summary>
/// The cached result of one prompt: its exact token ids, the SAE features of every token, and the positions of the
/// tokens that belong to the user's message(s) (for <see cref="PoolingMethod.User"/> pooling).
/// </summary>
public sealed record StoredPrompt(int[] TokenIds, SparseFeatureMatrix Features, int[] UserTokenPositions);
