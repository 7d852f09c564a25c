namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>
/// A JSON string of <c>minLength</c> to <c>maxLength</c> characters (code points; an escape is one). Only valid UTF-8
/// gets through: overlong forms, surrogates, bytes past U+10FFFF and cut-off sequences are refused byte by byte, so the
/// text always decodes. <c>\u</c> escapes of surrogates are refused too (a model writes such characters as UTF-8).
/// </summary>
internal sealed class StringNode(int minLength, int maxLength) : GrammarNode
{
    /// <summary>Any string: object keys and values in json_object mode.</summary>
    public static readonly StringNode Unbounded = new(0, int.MaxValue);

    private const int Open = 0, Plain = 1, Escape = 2, Hex1 = 3, Hex2AfterD = 4, Hex2 = 5, Hex3 = 6, Hex4 = 7;

    // UTF-8 continuation states: how many bytes are left, and for the second byte of some lead bytes, the narrower
    // range that keeps out overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
    private const int Cont1 = 8, Cont2 = 9, Cont3 = 10, AfterE0 = 11, AfterED = 12, AfterF0 = 13, AfterF4 = 14, Invalid = -1;

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        child = null;
        switch (frame.State)
        {
            case Plain:
                if (b == '"')
                    return frame.Count >= minLength ? StepResult.Done : StepResult.Reject;
                if (b < 0x20 || frame.Count >= maxLength)
                    return StepResult.Reject;
                frame.Count++;
                frame.State = b == '\\' ? Escape : b < 0x80 ? Plain : LeadState(b);
                return frame.State == Invalid ? StepResult.Reject : StepResult.Continue;
            case Open:
                frame.State = Plain;
                return b == '"' ? StepResult.Continue : StepResult.Reject;
            case Escape:
                frame.State = b switch
                {
                    (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t' => Plain,
                    (byte)'u' => Hex1,
                    _ => Invalid,
                };
                break;
            case Hex1:
                frame.State = b is (byte)'d' or (byte)'D' ? Hex2AfterD : IsHex(b) ? Hex2 : Invalid;
                break;
            case Hex2AfterD:
                // \uD800-\uDFFF are surrogates: alone they are not a character, and System.Text.Json refuses to read them.
                frame.State = b is >= (byte)'0' and <= (byte)'7' ? Hex3 : Invalid;
                break;
            case Hex2:
                frame.State = IsHex(b) ? Hex3 : Invalid;
                break;
            case Hex3:
                frame.State = IsHex(b) ? Hex4 : Invalid;
                break;
            case Hex4:
                frame.State = IsHex(b) ? Plain : Invalid;
                break;
            case Cont1:
                frame.State = b is >= 0x80 and <= 0xBF ? Plain : Invalid;
                break;
            case Cont2:
                frame.State = b is >= 0x80 and <= 0xBF ? Cont1 : Invalid;
                break;
            case Cont3:
                frame.State = b is >= 0x80 and <= 0xBF ? Cont2 : Invalid;
                break;
            case AfterE0:
                frame.State = b is >= 0xA0 and <= 0xBF ? Cont1 : Invalid;
                break;
            case AfterED:
                frame.State = b is >= 0x80 and <= 0x9F ? Cont1 : Invalid;
                break;
            case AfterF0:
                frame.State = b is >= 0x90 and <= 0xBF ? Cont2 : Invalid;
                break;
            case AfterF4:
                frame.State = b is >= 0x80 and <= 0x8F ? Cont2 : Invalid;
                break;
            default:
                return StepResult.Reject;
        }
        return frame.State == Invalid ? StepResult.Reject : StepResult.Continue;
    }

    public override int PlainRun(in Frame frame) => frame.State == Plain ? maxLength - frame.Count : 0;

    /// <summary>
    /// The state (escape and UTF-8 continuation states included) goes in whole. <see cref="Frame.Count"/> only grows,
    /// by at most one per byte, and only meets the bounds as <c>Count ≥ minLength</c> (may the string close) and
    /// <c>Count ≥ maxLength</c> (no more characters), so the key holds the headroom below each bound, exact only within
    /// the lookahead: inside a long string all the characters written so far fold into one key, and near the end each
    /// remaining count is its own. <see cref="Frame.Value"/> is unused (always 0).
    /// </summary>
    public override void KeyParts(in Frame frame, int lookahead, out long count, out long value)
    {
        count = Headroom(frame.Count, maxLength, lookahead);
        value = Headroom(frame.Count, minLength, lookahead);
    }

    public override void AddFirstBytes(bool[] first) => first['"'] = true;

    private static int LeadState(byte b) => b switch
    {
        >= 0xC2 and <= 0xDF => Cont1,
        0xE0 => AfterE0,
        0xED => AfterED,
        >= 0xE1 and <= 0xEF => Cont2,
        0xF0 => AfterF0,
        >= 0xF1 and <= 0xF3 => Cont3,
        0xF4 => AfterF4,
        // 80-BF continue a character, C0-C1 only start overlong forms, F5-FF are past U+10FFFF.
        _ => Invalid,
    };

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';
}

/// <summary>
/// An integer in [min, max], written without leading zeros or <c>-0</c>. A digit is allowed only if some integer in the
/// range starts with the digits so far, so every prefix can still be finished; the value ends by itself
/// (<see cref="StepResult.Done"/>) once no digit can follow, as after <c>10</c> in 1..10.
/// </summary>
internal sealed class IntegerNode : GrammarNode
{
    private const int StartState = 0, Minus = 1, Positive = 2, Negative = 3;

    // Magnitudes of the positive and of the negative values (empty when low > high), so digits are checked on
    // magnitudes only; 0 on its own.
    private readonly long _positiveLow, _positiveHigh, _negativeLow, _negativeHigh;
    private readonly bool _zero;

    /// <param name="min">at least -(2^53 - 1), so magnitudes times 10 stay far from overflow</param>
    /// <param name="max">at most 2^53 - 1</param>
    public IntegerNode(long min, long max)
    {
        _zero = min <= 0 && max >= 0;
        _positiveLow = Math.Max(min, 1);
        _positiveHigh = max;
        _negativeLow = Math.Max(-max, 1);
        _negativeHigh = -min;
    }

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        child = null;
        switch (frame.State)
        {
            case StartState:
                if (b == '-')
                {
                    frame.State = Minus;
                    return _negativeLow <= _negativeHigh ? StepResult.Continue : StepResult.Reject;
                }
                if (b == '0')
                    return _zero ? StepResult.Done : StepResult.Reject;
                frame.State = Positive;
                return Digit(ref frame, b, _positiveLow, _positiveHigh);
            case Minus:
                frame.State = Negative;
                return b == '0' ? StepResult.Reject : Digit(ref frame, b, _negativeLow, _negativeHigh);
            case Positive:
                return Digit(ref frame, b, _positiveLow, _positiveHigh);
            default:
                return Digit(ref frame, b, _negativeLow, _negativeHigh);
        }
    }

    public override bool CanEnd(in Frame frame) =>
        frame.State == Positive ? frame.Value >= _positiveLow : frame.State == Negative && frame.Value >= _negativeLow;

    public override void AddFirstBytes(bool[] first)
    {
        first['-'] |= _negativeLow <= _negativeHigh;
        first['0'] |= _zero;
        for (int d = 1; d <= 9; d++)
            first['0' + d] |= CanReach(d, _positiveLow, _positiveHigh, 1);
    }

    /// <summary>Appends digit <paramref name="b"/> to the magnitude in <paramref name="frame"/> (0 before the first digit).</summary>
    private static StepResult Digit(ref Frame frame, byte b, long low, long high)
    {
        // A leading 0 never gets here: the start and minus states deal with it.
        if (b is >= (byte)'0' and <= (byte)'9')
        {
            long next = frame.Value * 10 + (b - '0');
            if (CanReach(next, low, high, 1))
            {
                frame.Value = next;
                return next >= low && !CanReach(next, low, high, 10) ? StepResult.Done : StepResult.Continue;
            }
        }
        // A magnitude in range is a complete value (it never exceeds high: digits that would are refused above).
        return frame.Value >= low ? StepResult.Pass : StepResult.Reject;
    }

    /// <summary>
    /// Whether some magnitude in [low, high] is <paramref name="prefix"/> followed by k digits, for some k with
    /// 10^k ≥ <paramref name="scale"/> (scale 1: the prefix itself counts; 10: at least one more digit). With k digits
    /// the magnitudes span [prefix·10^k, prefix·10^k + 10^k − 1]; past high no longer k can help.
    /// </summary>
    private static bool CanReach(long prefix, long low, long high, long scale)
    {
        for (long first = prefix * scale; first <= high; first *= 10, scale *= 10)
        {
            if (first + scale - 1 >= low)
                return true;
        }
        return false;
    }
}

/// <summary>
/// Any JSON number, with at most <see cref="MaxDigits"/> digits before and after the point and two exponent digits:
/// enough for any double a model means, and a bound so a number cannot run on forever.
/// </summary>
internal sealed class NumberNode : GrammarNode
{
    /// <summary>The one instance: the node has no settings.</summary>
    public static readonly NumberNode Instance = new();

    private const int MaxDigits = 16, MaxExponentDigits = 2;
    private const int StartState = 0, Minus = 1, Zero = 2, Integer = 3, Point = 4, Fraction = 5, E = 6, ExponentSign = 7, Exponent = 8;

    private NumberNode()
    {
    }

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        child = null;
        bool digit = b is >= (byte)'0' and <= (byte)'9';
        switch (frame.State)
        {
            case StartState or Minus:
                if (b == '-' && frame.State == StartState)
                    return Go(ref frame, Minus, 0);
                if (!digit)
                    return StepResult.Reject;
                return b == '0' ? Go(ref frame, Zero, 0) : Go(ref frame, Integer, 1);
            case Zero or Integer:
                if (digit && frame.State == Integer && frame.Count < MaxDigits)
                    return Go(ref frame, Integer, frame.Count + 1);
                if (b == '.')
                    return Go(ref frame, Point, 0);
                return b is (byte)'e' or (byte)'E' ? Go(ref frame, E, 0) : StepResult.Pass;
            case Point:
                return digit ? Go(ref frame, Fraction, 1) : StepResult.Reject;
            case Fraction:
                if (digit && frame.Count < MaxDigits)
                    return Go(ref frame, Fraction, frame.Count + 1);
                return b is (byte)'e' or (byte)'E' ? Go(ref frame, E, 0) : StepResult.Pass;
            case E:
                if (b is (byte)'+' or (byte)'-')
                    return Go(ref frame, ExponentSign, 0);
                return digit ? Go(ref frame, Exponent, 1) : StepResult.Reject;
            case ExponentSign:
                return digit ? Go(ref frame, Exponent, 1) : StepResult.Reject;
            default:
                if (!digit)
                    return StepResult.Pass;
                frame.Count++;
                return frame.Count == MaxExponentDigits ? StepResult.Done : StepResult.Continue;
        }
    }

    public override bool CanEnd(in Frame frame) => frame.State is Zero or Integer or Fraction or Exponent;

    public override void AddFirstBytes(bool[] first)
    {
        first['-'] = true;
        for (int d = '0'; d <= '9'; d++)
            first[d] = true;
    }

    private static StepResult Go(ref Frame frame, int state, int count)
    {
        frame.State = state;
        frame.Count = count;
        return StepResult.Continue;
    }
}

/// <summary>
/// One of a fixed set of JSON texts (enum and const values, true, false, null), matched through a trie of their bytes.
/// A text that is a prefix of another (<c>1</c> and <c>10</c>) is complete but can go on, as a number is.
/// </summary>
internal sealed class LiteralNode(LiteralTrie trie, int root) : GrammarNode
{
    /// <summary><c>true</c> or <c>false</c>.</summary>
    public static readonly LiteralNode Boolean = Of(["true"u8.ToArray(), "false"u8.ToArray()]);

    /// <summary><c>null</c>.</summary>
    public static readonly LiteralNode Null = Of(["null"u8.ToArray()]);

    /// <summary>A node for exactly these texts (at least one, none empty).</summary>
    public static LiteralNode Of(IEnumerable<byte[]> texts)
    {
        var trie = new LiteralTrie();
        int root = trie.AddRoot();
        foreach (var text in texts)
            trie.Add(root, text, 0);
        return new LiteralNode(trie, root);
    }

    public override Frame Start() => new(this, root);

    public override StepResult Step(ref Frame frame, byte b, out GrammarNode? child)
    {
        child = null;
        int next = trie.Next(frame.State, b);
        if (next < 0)
            return trie.Value(frame.State) >= 0 ? StepResult.Pass : StepResult.Reject;
        frame.State = next;
        return trie.Value(next) >= 0 && !trie.HasEdges(next) ? StepResult.Done : StepResult.Continue;
    }

    public override bool CanEnd(in Frame frame) => trie.Value(frame.State) >= 0;

    public override void AddFirstBytes(bool[] first) => trie.AddEdgeBytes(root, first);
}

/// <summary>
/// A small byte trie of fixed texts, each ending in a node that carries a value (which property an object's key
/// starts). One trie may hold several roots, one per set of texts.
/// </summary>
internal sealed class LiteralTrie
{
    private readonly List<List<(byte Byte, int Target)>> _edges = [];
    private readonly List<int> _values = [];

    /// <summary>A new, empty root.</summary>
    public int AddRoot() => NewNode();

    /// <summary>Adds <paramref name="text"/> under <paramref name="root"/>, ending in a node with <paramref name="value"/> (≥ 0).</summary>
    public void Add(int root, ReadOnlySpan<byte> text, int value)
    {
        int node = root;
        foreach (byte b in text)
        {
            int next = Next(node, b);
            if (next < 0)
            {
                next = NewNode();
                _edges[node].Add((b, next));
            }
            node = next;
        }
        _values[node] = value;
    }

    /// <summary>The node after <paramref name="b"/>, or -1.</summary>
    public int Next(int node, byte b)
    {
        var edges = _edges[node];
        for (int i = 0; i < edges.Count; i++)
        {
            if (edges[i].Byte == b)
                return edges[i].Target;
        }
        return -1;
    }

    /// <summary>The value of the text that ends at <paramref name="node"/>, or -1 when none does.</summary>
    public int Value(int node) => _values[node];

    /// <summary>Some longer text goes on from <paramref name="node"/>.</summary>
    public bool HasEdges(int node) => _edges[node].Count > 0;

    /// <summary>Marks the bytes that can follow <paramref name="node"/>.</summary>
    public void AddEdgeBytes(int node, bool[] bytes)
    {
        foreach (var (b, _) in _edges[node])
            bytes[b] = true;
    }

    private int NewNode()
    {
        _edges.Add([]);
        _values.Add(-1);
        return _values.Count - 1;
    }
}
