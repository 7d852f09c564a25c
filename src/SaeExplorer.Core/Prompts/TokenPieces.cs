using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace SaeExplorer.Core.Prompts;

/// <summary>How one token reads on a page (see <see cref="TokenPieces"/>).</summary>
/// <param name="Text">
/// What to show at the token: its characters; for the first token of a group that a character crosses, the whole
/// group's characters; empty for the group's other tokens. A byte that is no part of a character reads <c>&lt;0xF0&gt;</c>.
/// </param>
/// <param name="Bytes">The token's bytes as <c>&lt;0xF0&gt;&lt;0x9F&gt;</c> when they are not whole UTF-8 characters on their own; otherwise null.</param>
/// <param name="ContinuesFrom">For a token whose characters are shown on an earlier token, that token's position; otherwise null.</param>
public sealed record TokenPiece(string Text, string? Bytes = null, int? ContinuesFrom = null);

/// <summary>
/// Byte-level BPE tokens (Llama 3's) as text. A token may hold part of a UTF-8 character (an emoji's 4 bytes can be
/// split over 2 to 4 tokens), and decoding it alone gives U+FFFD, so a sequence of tokens would read as "���" where the
/// text has one emoji. Here every run of tokens that a character crosses reads as one: the run's characters on its first
/// token, the others continuing it (each keeps its position, so its own activation). Bytes that never make a character
/// (a sequence cut at the end, an invalid byte) read as <c>&lt;0xNN&gt;</c>: shown, not dropped.
/// </summary>
public static class TokenPieces
{
    /// <summary>The pieces of a sequence of tokens, one per token.</summary>
    /// <param name="tokenBytes">Each token's bytes; null for a special token (such as <c>&lt;|eot_id|&gt;</c>), which no character crosses.</param>
    /// <param name="specialText">The text of the special token at a position (one whose bytes are null).</param>
    public static TokenPiece[] Of(IReadOnlyList<byte[]?> tokenBytes, Func<int, string> specialText)
    {
        ArgumentNullException.ThrowIfNull(tokenBytes);
        ArgumentNullException.ThrowIfNull(specialText);
        var pieces = new TokenPiece[tokenBytes.Count];
        int start = 0;
        while (start < pieces.Length)
        {
            if (tokenBytes[start] is null)
            {
                pieces[start] = new TokenPiece(specialText(start));
                start++;
                continue;
            }
            int end = start;
            while (end < pieces.Length && tokenBytes[end] is not null)
                end++;
            PieceRun(tokenBytes, start, end, pieces);
            start = end;
        }
        return pieces;
    }

    /// <summary>Tokens start..end-1, none special: their bytes read as one stream, so a character may cross tokens.</summary>
    private static void PieceRun(IReadOnlyList<byte[]?> tokenBytes, int start, int end, TokenPiece[] pieces)
    {
        var stream = new List<byte>();
        // tokenAt[k] is the position of the token that holds byte k of the stream.
        var tokenAt = new List<int>();
        for (int t = start; t < end; t++)
        {
            stream.AddRange(tokenBytes[t]!);
            tokenAt.AddRange(Enumerable.Repeat(t, tokenBytes[t]!.Length));
        }
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(stream);

        // A group is the first token whose text it shows; a character from token a to token b puts a+1..b in a's group.
        var group = Enumerable.Range(start, end - start).ToArray();
        var texts = new Dictionary<int, StringBuilder>();
        for (int k = 0; k < bytes.Length;)
        {
            var status = Rune.DecodeFromUtf8(bytes[k..], out var rune, out int consumed);
            int owner = group[tokenAt[k] - start];
            var text = texts.TryGetValue(owner, out var t) ? t : texts[owner] = new StringBuilder();
            if (status == OperationStatus.Done)
            {
                for (int p = tokenAt[k] + 1; p <= tokenAt[k + consumed - 1]; p++)
                    group[p - start] = owner;
                text.Append(rune.ToString());
                k += consumed;
            }
            else
            {
                // Invalid or cut short at the end: this byte is no part of a character; the next may start one.
                text.Append(Hex(bytes[k]));
                k++;
            }
        }

        for (int p = start; p < end; p++)
        {
            int owner = group[p - start];
            byte[] own = tokenBytes[p]!;
            string? hex = Utf8.IsValid(own) ? null : string.Concat(own.Select(Hex));
            pieces[p] = owner == p
                ? new TokenPiece(texts.TryGetValue(p, out var text) ? text.ToString() : "", hex)
                : new TokenPiece("", hex, owner);
        }
    }

    private static string Hex(byte b) => "<0x" + b.ToString("X2", CultureInfo.InvariantCulture) + ">";
}
