namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>
/// The most recently used compiled schemas, by their JSON text, so that requests with the same schema share one
/// <see cref="JsonConstraint"/> and with it the masks it has cached. Thread-safe; a schema that fails to compile is not
/// kept (its error comes again, as it should).
/// </summary>
internal sealed class CompiledSchemaCache(int capacity)
{
    /// <summary>Schemas with a longer text are compiled every time rather than kept.</summary>
    public const int MaxTextLength = 256 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Text, JsonConstraint Constraint)>> _byText = new(StringComparer.Ordinal);

    // Most recently used first.
    private readonly LinkedList<(string Text, JsonConstraint Constraint)> _order = new();

    public int Count
    {
        get
        {
            lock (_lock)
                return _order.Count;
        }
    }

    /// <summary>The constraint kept for <paramref name="text"/>, or <paramref name="compile"/>(<paramref name="schema"/>), then kept.</summary>
    public JsonConstraint GetOrAdd<T>(string text, T schema, Func<T, JsonConstraint> compile)
    {
        if (text.Length > MaxTextLength)
            return compile(schema);
        lock (_lock)
        {
            if (_byText.TryGetValue(text, out var kept))
            {
                _order.Remove(kept);
                _order.AddFirst(kept);
                return kept.Value.Constraint;
            }
        }
        // Compiled outside the lock; two requests that race on a new schema may both compile it, and the first kept wins.
        var compiled = compile(schema);
        lock (_lock)
        {
            if (_byText.TryGetValue(text, out var kept))
                return kept.Value.Constraint;
            _byText[text] = _order.AddFirst((text, compiled));
            while (_order.Count > capacity)
            {
                _byText.Remove(_order.Last!.Value.Text);
                _order.RemoveLast();
            }
            return compiled;
        }
    }
}
