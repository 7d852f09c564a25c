using SaeExplorer.Core.Prompts;

namespace SaeExplorer.Web.Components.Shared;

/// <summary>How a token reads on a page.</summary>
public static class TokenText
{
    /// <summary>Whitespace would vanish in HTML: line breaks and tabs as arrows, a token of spaces alone as dots (as tokenizer viewers do).</summary>
    public static string Display(string token) => token.Replace("\n", "↵").Replace("\t", "⇥") is var s && s.Trim().Length == 0 ? s.Replace(" ", "·") : s;

    /// <summary>
    /// The CSS class a piece adds to its token's span: a token that continues a character shown on an earlier one has no
    /// text of its own, and the class keeps it wide enough to hover.
    /// </summary>
    public static string Class(TokenPiece piece) => piece.ContinuesFrom is null ? "" : " saex-token-continues";

    /// <summary>What a tooltip adds for a token that is not whole characters alone: its bytes, and where its character is shown.</summary>
    public static string Note(TokenPiece piece) =>
        (piece.Bytes is { } bytes ? $", bytes {bytes}" : "")
        + (piece.ContinuesFrom is { } from ? $", part of the text on token {from}" : "");
}
