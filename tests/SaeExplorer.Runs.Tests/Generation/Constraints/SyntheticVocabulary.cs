using System.Text;
using SaeExplorer.Runs.Generation.Constraints;

namespace SaeExplorer.Runs.Tests.Generation.Constraints;

/// <summary>
/// A small byte-level vocabulary: every printable ASCII character, some multi-character tokens that span JSON syntax
/// (<c>{"</c>, <c>",</c>, <c>"score":</c>...), UTF-8 characters whole and cut across tokens, bytes that can never be
/// valid UTF-8, and special tokens without bytes. Tokens are named by their text, or by hex for bytes that are not
/// printable ASCII (<c>&lt;C3 A9&gt;</c>), so expected sets read as what the model would write.
/// </summary>
internal static class SyntheticVocabulary
{
    public const int Special = 0, Stop = 1, Empty = 2;

    public static readonly byte[]?[] Tokens = Build();

    public static readonly TokenTrie Trie = TokenTrie.For(Tokens);

    private static byte[]?[] Build()
    {
        var tokens = new List<byte[]?> { null, null, Array.Empty<byte>() };
        for (int c = 0x20; c <= 0x7E; c++)
            tokens.Add([(byte)c]);
        foreach (var text in (string[])["{\"", "\":", "score", "\"score", "\"score\":", "10", ",\"", "\"}", "verdict", "rationale",
                     "\":\"", "\",\"", "tie", "\"t", "ie\"", "\\n", "\\u", "00e9", "\\\"", "ab", "abc", "ok\",", "é"])
            tokens.Add(Encoding.UTF8.GetBytes(text));
        // A raw newline; the two bytes of é alone; € (E2 82 AC) cut two ways; bytes no valid UTF-8 contains (FF, the
        // overlong C0 80, ED A0 80 which would encode a surrogate).
        tokens.AddRange([[0x0A], [0xC3], [0xA9], [0xE2], [0x82, 0xAC], [0xE2, 0x82], [0xAC], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80]]);
        return [.. tokens];
    }

    /// <summary>The token's name: its text when it is printable ASCII, its bytes in hex otherwise.</summary>
    public static string Name(int id) => id switch
    {
        Special => "<special>",
        Stop => "<stop>",
        Empty => "<empty>",
        _ => Tokens[id]!.All(b => b is >= 0x20 and <= 0x7E) ? Encoding.ASCII.GetString(Tokens[id]!) : $"<{Convert.ToHexString(Tokens[id]!).Chunk(2).Select(p => new string(p)).Aggregate((a, b) => a + " " + b)}>",
    };

    public static int Id(string name) => Enumerable.Range(0, Tokens.Length).Single(id => Name(id) == name);

    public static JsonConstraintState Start(JsonConstraint constraint) => constraint.CreateState(Trie, [Stop]);

    /// <summary>Advances through tokens given by name, failing the test if one is not allowed.</summary>
    public static JsonConstraintState Feed(this JsonConstraintState state, params string[] names)
    {
        foreach (var name in names)
            Assert.True(state.TryAdvance(Id(name)), $"token {name} was refused");
        return state;
    }

    /// <summary>The names of the allowed tokens, in ordinal order.</summary>
    public static string[] Allowed(JsonConstraintState state) => [.. state.AllowedTokenIds().Select(Name).Order(StringComparer.Ordinal)];

    public static string[] Sorted(params string[] names) => [.. names.Order(StringComparer.Ordinal)];
}
