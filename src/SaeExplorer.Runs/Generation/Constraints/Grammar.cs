using System.Runtime.CompilerServices;

namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>What a grammar node did with one byte; <see cref="Cursor.Advance"/> acts on it.</summary>
internal enum StepResult : byte
{
    /// <summary>The byte cannot come here.</summary>
    Reject,

    /// <summary>Consumed; the node's value goes on.</summary>
    Continue,

    /// <summary>Consumed, and it ended the node's value (a closing quote or bracket, the last digit a range allows).</summary>
    Done,

    /// <summary>Not consumed: the node's value was already complete (a number) and the byte belongs to what follows.</summary>
    Pass,

    /// <summary>Consumed; the child value starts after it (the <c>:</c> after a property name).</summary>
    Push,

    /// <summary>Not consumed: the child value starts with it (the first item of an array).</summary>
    PushThenFeed,

    /// <summary>Not consumed: the node is a choice between alternatives and becomes the child that starts with it.</summary>
    Become,
}

/// <summary>
/// Where one node is in its value: <see cref="State"/>, <see cref="Count"/> and <see cref="Value"/> mean what the
/// node says (a phase, a trie node, characters or items so far, an integer's magnitude). A struct, so the token walk
/// copies a cursor for each trie edge at the cost of a few words.
/// </summary>
internal struct Frame(GrammarNode node, int state)
{
    public readonly GrammarNode Node = node;
    public int State = state;
    public int Count;
    public long Value;
}

/// <summary>
/// A frame waiting for its child value to end. Immutable and shared between the copies of a cursor, so copying a
/// cursor never copies its stack; only a push allocates.
/// </summary>
internal sealed class FrameLink(Frame frame, FrameLink? next)
{
    public readonly Frame Frame = frame;
    public readonly FrameLink? Next = next;
}

/// <summary>The pushdown automaton's state: the innermost frame, the frames around it, and whether the top value ended.</summary>
internal struct Cursor(GrammarNode root)
{
    public Frame Top = root.Start();
    public FrameLink? Rest;
    public bool Complete;

    /// <summary>The text so far is one complete JSON value (it may still go on, as a top-level number can).</summary>
    public readonly bool CanStop => Complete || (Rest is null && Top.Node.CanEnd(Top));

    /// <summary>
    /// Feeds one byte. On false the cursor is left half-advanced: callers advance a copy and drop it, which is cheaper
    /// than undoing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Advance(byte b)
    {
        if (Complete)
            return false;
        var result = Top.Node.Step(ref Top, b, out var child);
        while (true)
        {
            switch (result)
            {
                case StepResult.Continue:
                    return true;
                case StepResult.Done:
                    if (Rest is null)
                        Complete = true;
                    else
                        Pop();
                    return true;
                case StepResult.Pass:
                    // Nothing may follow the top-level value, not even whitespace.
                    if (Rest is null)
                        return false;
                    Pop();
                    break;
                case StepResult.Push:
                    Rest = new FrameLink(Top, Rest);
                    Top = child!.Start();
                    return true;
                case StepResult.PushThenFeed:
                    Rest = new FrameLink(Top, Rest);
                    Top = child!.Start();
                    break;
                case StepResult.Become:
                    Top = child!.Start();
                    break;
                default:
                    return false;
            }
            result = Top.Node.Step(ref Top, b, out child);
        }
    }

    /// <summary>How many plain bytes (<see cref="TokenTrie.IsPlainStringByte"/>) the top frame takes in a row.</summary>
    public readonly int PlainRun => Complete ? 0 : Top.Node.PlainRun(Top);

    /// <summary>Advances past <paramref name="count"/> plain bytes, at most <see cref="PlainRun"/>, in one go.</summary>
    public void TakePlain(int count) => Top.Count += count;

    private void Pop()
    {
        Top = Rest!.Frame;
        Rest = Rest.Next;
    }
}

/// <summary>
/// One compiled piece of the grammar (a string, an object with its properties, a choice...). Immutable and shared: all
/// per-sequence state lives in <see cref="Frame"/>s, so one compiled schema serves any number of sequences.
/// </summary>
internal abstract class GrammarNode
{
    private static int _lastId;

    /// <summary>Unique in the process: a node's identity in a <see cref="MaskKey"/>.</summary>
    public readonly int Id = Interlocked.Increment(ref _lastId);

    /// <summary>The frame before the value's first byte.</summary>
    public virtual Frame Start() => new(this, 0);

    /// <summary>Feeds one byte to <paramref name="frame"/>; sets <paramref name="child"/> for the push and become results.</summary>
    public abstract StepResult Step(ref Frame frame, byte b, out GrammarNode? child);

    /// <summary>The value is complete here but could go on (a number); only such nodes answer <see cref="StepResult.Pass"/>.</summary>
    public virtual bool CanEnd(in Frame frame) => false;

    /// <summary>
    /// How many plain bytes in a row this frame takes, each as one more <see cref="Frame.Count"/> and nothing else;
    /// 0 unless it is inside a string. Lets the token walk allow whole subtrees of plain text without stepping.
    /// </summary>
    public virtual int PlainRun(in Frame frame) => 0;

    /// <summary>Marks the bytes the value can begin with, so a choice can pick its alternative from the first byte.</summary>
    public abstract void AddFirstBytes(bool[] first);

    /// <summary>
    /// What of <paramref name="frame"/>'s <see cref="Frame.Count"/> and <see cref="Frame.Value"/> goes into a
    /// <see cref="MaskKey"/> (its node and <see cref="Frame.State"/> always do). Two frames of this node with the same
    /// state and the same parts must take exactly the same byte strings of at most <paramref name="lookahead"/> bytes,
    /// with the same results, and be left in frames that again agree in that sense; then they allow the same tokens
    /// now, whatever stack they sit in. By default the raw fields, which is always safe: a node that counts should
    /// override this only with a proof that what it folds together cannot be told apart within the lookahead.
    /// </summary>
    /// <param name="lookahead">the most bytes a token has in this vocabulary</param>
    public virtual void KeyParts(in Frame frame, int lookahead, out long count, out long value)
    {
        count = frame.Count;
        value = frame.Value;
    }

    /// <summary>
    /// How far <paramref name="count"/> is below <paramref name="bound"/>, as a key part: exact up to
    /// <paramref name="lookahead"/>, 0 for at or past it, and <paramref name="lookahead"/> + 1 for anything further.
    /// For a count that grows by at most one per byte and is only ever compared as <c>count ≥ bound</c>: within the
    /// lookahead such a test comes out the same for any two counts this folds together.
    /// </summary>
    protected static long Headroom(int count, int bound, int lookahead) => Math.Clamp((long)bound - count, 0, lookahead + 1L);

    /// <summary>The bytes the value can begin with, indexed by byte.</summary>
    public bool[] FirstBytes()
    {
        var first = new bool[256];
        AddFirstBytes(first);
        return first;
    }
}
