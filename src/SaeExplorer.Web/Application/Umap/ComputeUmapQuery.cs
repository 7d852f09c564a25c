using Mediator;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Web.Application.Umap;

/// <summary>
/// The two UMAP maps of a completed run (raw activations, Euclidean; SAE features, cosine) with their separation
/// metrics, pooled the given way. Computed once per (run, pooling) and then served from <see cref="UmapCache"/>.
/// </summary>
public sealed record ComputeUmapQuery(string RunId, PoolingMethod Pooling) : IRequest<UmapView>;
