using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Pipeline;

namespace SaeExplorer.Web.Application.Runs;

/// <summary>
/// The derived views of completed runs that several pages ask for again and again: prompts pooled one way, tokenized
/// prompts with decoded token text, and analysis results keyed by their inputs. A run's data never changes once it is
/// completed, so entries are valid for as long as they are kept; the cache is bounded so a long session that looks at
/// many contrasts does not hold every one of them.
/// </summary>
public sealed class RunViewCache(LiveModelService models)
{
    /// <summary>Entries kept per kind of view; the least recently used goes first.</summary>
    public const int Capacity = 24;

    private readonly BoundedCache<(string RunId, PoolingMethod Pooling), IReadOnlyList<PooledPrompt>> _pooled = new(Capacity);
    private readonly BoundedCache<string, IReadOnlyList<TokenizedPrompt>> _tokenized = new(Capacity);
    private readonly BoundedCache<object, object> _results = new(Capacity);

    public IReadOnlyList<PooledPrompt> Pooled(RunData run, PoolingMethod pooling) =>
        _pooled.GetOrAdd((run.RunId, pooling), _ => run.Pooled(pooling));

    /// <summary>Every prompt of the run with token texts from the loaded tokenizer (the run was opened with that model, so they agree).</summary>
    public IReadOnlyList<TokenizedPrompt> Tokenized(RunData run) =>
        _tokenized.GetOrAdd(run.RunId, _ => RunViews.Tokenized(run.Result, Decoder()));

    /// <summary>One token id's text, decoded once per id.</summary>
    public Func<int, string> Decoder()
    {
        var texts = new Dictionary<int, string>();
        return id =>
        {
            if (!texts.TryGetValue(id, out var text))
                texts[id] = text = models.TokenTexts([id])[0];
            return text;
        };
    }

    /// <summary>An analysis result cached under a key that names all of its inputs (a record of run id, pooling, …).</summary>
    public T Result<T>(object key, Func<T> compute) where T : class => (T)_results.GetOrAdd(key, _ => compute());
}

/// <summary>A small least-recently-used map; computing a missing value happens outside the lock.</summary>
public sealed class BoundedCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _map = [];
    private readonly LinkedList<(TKey Key, TValue Value)> _order = new();

    public int Count
    {
        get
        {
            lock (_gate)
                return _map.Count;
        }
    }

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> create)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var hit))
            {
                _order.Remove(hit);
                _order.AddFirst(hit);
                return hit.Value.Value;
            }
        }
        // Two callers may both compute a missing value; both get equal results and the first one stored wins.
        var value = create(key);
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var raced))
                return raced.Value.Value;
            _map[key] = _order.AddFirst((key, value));
            while (_map.Count > capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
            }
            return value;
        }
    }
}
