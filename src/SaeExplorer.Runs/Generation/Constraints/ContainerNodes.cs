using System.Text;

namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>One property of a schema object, in the schema's order.</summary>
internal sealed record ObjectProperty(string Name, GrammarNode Value, bool Required);

/// <summary>
/// An object with the schema's properties, in the schema's declared order, and no others. A required property must
/// come; an optional one may be left out. The text between two values (<c>,"name":</c>, or the closing brace) is
/// matched through a trie of the texts allowed at that point, so "which property comes next" is decided by the bytes,
/// and a key's bytes are fixed, as is the absence of whitespace.
/// </summary>
internal sealed class ObjectNode : GrammarNode
{
    private readonly GrammarNode[] _values;
    private readonly LiteralTrie _choices = new();

    // _choiceRoots[i]: the texts allowed once properties before i are done (0: at the start, so with the '{').
    // Each text ends in the index of the property it opens, or in _values.Length when it closes the object.
    private readonly int[] _choiceRoots;

    public ObjectNode(IReadOnlyList<ObjectProperty> properties)
    {
        int count = properties.Count;
        _values = [.. properties.Select(p => p.Value)];
        _choiceRoots = new int[count + 1];
        for (int position = 0; position <= count; position++)
        {
            int root = _choiceRoots[position] = _choices.AddRoot();
            byte opener = position == 0 ? (byte)'{' : (byte)',';
            bool restOptional = true;
            for (int j = position; j < count && restOptional; j++)
            {
                _choices.Add(root, [opener, .. JsonText.Quoted(properties[j].Name), (byte)':'], j);
                restOptional = !properties[j].Required;
            }
            // Keys end in a quote that cannot occur unescaped inside them, so no text here is a prefix of another:
            // the last byte of a text always decides.
            if (restOptional)
                _choices.Add(root, position == 0 ? "{}"u8 : "}"u8, count);
        }
    }

    public override Frame Start() => new(this, _choiceRoots[0]);

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        child = null;
        int next = _choices.Next(frame.State, b);
        if (next < 0)
            return StepResult.Reject;
        int property = _choices.Value(next);
        if (property < 0)
        {
            frame.State = next;
            return StepResult.Continue;
        }
        if (property == _values.Length)
            return StepResult.Done;
        frame.State = _choiceRoots[property + 1];
        child = _values[property];
        return StepResult.Push;
    }

    public override void AddFirstBytes(bool[] first) => first['{'] = true;
}

/// <summary>Any object: string keys (duplicates are valid JSON and not checked), values of <c>value</c>.</summary>
internal sealed class AnyObjectNode(GrammarNode value) : GrammarNode
{
    private const int Open = 0, AfterOpen = 1, AfterKey = 2, AfterColon = 3, AfterValue = 4, AfterComma = 5;

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        child = null;
        switch (frame.State)
        {
            case Open:
                frame.State = AfterOpen;
                return b == '{' ? StepResult.Continue : StepResult.Reject;
            case AfterOpen or AfterComma:
                if (b == '}' && frame.State == AfterOpen)
                    return StepResult.Done;
                // The key string refuses anything but its opening quote.
                frame.State = AfterKey;
                child = StringNode.Unbounded;
                return StepResult.PushThenFeed;
            case AfterKey:
                frame.State = AfterColon;
                return b == ':' ? StepResult.Continue : StepResult.Reject;
            case AfterColon:
                frame.State = AfterValue;
                child = value;
                return StepResult.PushThenFeed;
            default:
                frame.State = AfterComma;
                return b == ',' ? StepResult.Continue : b == '}' ? StepResult.Done : StepResult.Reject;
        }
    }

    public override void AddFirstBytes(bool[] first) => first['{'] = true;
}

/// <summary>An array of <c>minItems</c> to <c>maxItems</c> values of <c>items</c>.</summary>
internal sealed class ArrayNode(GrammarNode items, int minItems, int maxItems) : GrammarNode
{
    private const int Open = 0, AfterOpen = 1, AfterItem = 2;

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        child = null;
        switch (frame.State)
        {
            case Open:
                frame.State = AfterOpen;
                return b == '[' ? StepResult.Continue : StepResult.Reject;
            case AfterOpen:
                if (b == ']')
                    return minItems == 0 ? StepResult.Done : StepResult.Reject;
                if (maxItems == 0)
                    return StepResult.Reject;
                frame.State = AfterItem;
                frame.Count = 1;
                child = items;
                return StepResult.PushThenFeed;
            default:
                if (b == ']')
                    return frame.Count >= minItems ? StepResult.Done : StepResult.Reject;
                if (b != ',' || frame.Count >= maxItems)
                    return StepResult.Reject;
                frame.Count++;
                child = items;
                return StepResult.Push;
        }
    }

    /// <summary>
    /// <see cref="Frame.Count"/> (items so far) grows by at most one per byte, a comma, and only meets the bounds as
    /// <c>Count ≥ minItems</c> and <c>Count ≥ maxItems</c> (it is 0 before the first item, which sets it to 1), so the
    /// key holds the headroom below each bound, exact only within the lookahead. <see cref="Frame.Value"/> is unused.
    /// </summary>
    public override void KeyParts(in Frame frame, int lookahead, out long count, out long value)
    {
        count = Headroom(frame.Count, maxItems, lookahead);
        value = Headroom(frame.Count, minItems, lookahead);
    }

    public override void AddFirstBytes(bool[] first) => first['['] = true;
}

/// <summary>
/// One of several values (anyOf, a list of types), told apart by their first byte: each byte may begin at most one
/// alternative, so the choice is made on it and never needs to be undone. That keeps the automaton deterministic and
/// a cursor one stack; string-or-null, object-or-null and the like fit, two alternatives that both begin with a
/// digit or a quote do not.
/// </summary>
internal sealed class ChoiceNode : GrammarNode
{
    private readonly GrammarNode[] _alternatives;
    private readonly int[] _byFirstByte = new int[256];

    /// <param name="alternatives">the values to choose from</param>
    /// <param name="where">where the choice is, for the error when two alternatives can begin with the same byte</param>
    public ChoiceNode(IReadOnlyList<GrammarNode> alternatives, string where)
    {
        _alternatives = [.. alternatives];
        Array.Fill(_byFirstByte, -1);
        for (int i = 0; i < _alternatives.Length; i++)
        {
            var first = _alternatives[i].FirstBytes();
            for (int b = 0; b < 256; b++)
            {
                if (!first[b])
                    continue;
                if (_byFirstByte[b] >= 0)
                {
                    throw new NotSupportedException(
                        $"The alternatives at {where} (anyOf, oneOf or a list of types) must each begin with a different character, " +
                        $"so that the first one picks the alternative; alternatives {_byFirstByte[b]} and {i} can both begin with '{(char)b}'. " +
                        "Choices such as a string or null, or an object or null, are supported.");
                }
                _byFirstByte[b] = i;
            }
        }
    }

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        int i = _byFirstByte[b];
        child = i < 0 ? null : _alternatives[i];
        return i < 0 ? StepResult.Reject : StepResult.Become;
    }

    public override void AddFirstBytes(bool[] first)
    {
        for (int b = 0; b < 256; b++)
            first[b] |= _byFirstByte[b] >= 0;
    }
}

/// <summary>
/// Any JSON value and any JSON object, nested at most a given number of objects and arrays deep (the outermost one
/// included); deeper down only strings, numbers, booleans and null. The bound keeps the grammar a finite set of nodes
/// and a model from opening brackets forever; it does not bound the length (keys, strings and arrays are unbounded).
/// </summary>
internal sealed class AnyJson
{
    private static readonly GrammarNode[] Scalars = [StringNode.Unbounded, NumberNode.Instance, LiteralNode.Boolean, LiteralNode.Null];

    // After Scalars: static fields initialise in textual order.
    /// <summary>Any JSON, nested at most <see cref="JsonConstraint.DefaultMaxDepth"/> deep.</summary>
    public static readonly AnyJson Default = new(JsonConstraint.DefaultMaxDepth);

    /// <param name="maxDepth">at least 1</param>
    public AnyJson(int maxDepth)
    {
        // Built from the innermost level out: level maxDepth + 1 has scalars only.
        GrammarNode value = new ChoiceNode(Scalars, "the innermost level of any JSON");
        GrammarNode obj = value;
        for (int level = maxDepth; level >= 1; level--)
        {
            obj = new AnyObjectNode(value);
            value = new ChoiceNode([obj, new ArrayNode(value, 0, int.MaxValue), .. Scalars], "any JSON");
        }
        Object = obj;
        Value = value;
    }

    /// <summary>Any object.</summary>
    public GrammarNode Object { get; }

    /// <summary>Any value.</summary>
    public GrammarNode Value { get; }
}

/// <summary>JSON text for the fixed parts of a schema (keys, enum strings), in the form the model is made to write.</summary>
internal static class JsonText
{
    /// <summary>
    /// <paramref name="s"/> as a JSON string with its quotes: only <c>"</c>, <c>\</c> and control characters are
    /// escaped, everything else is raw UTF-8, which is what a model writes and what costs it the fewest tokens.
    /// </summary>
    public static byte[] Quoted(string s)
    {
        var text = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                '\b' => text.Append("\\b"),
                '\f' => text.Append("\\f"),
                < ' ' => text.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }
        return Encoding.UTF8.GetBytes(text.Append('"').ToString());
    }
}
