namespace SaeExplorer.Web.Components.Shared;

/// <summary>How a token reads on a page.</summary>
public static class TokenText
{
    /// <summary>Whitespace would vanish in HTML: line breaks and tabs as arrows, a token of spaces alone as dots (as tokenizer viewers do).</summary>
    public static string Display(string token) => token.Replace("\n", "↵").Replace("\t", "⇥") is var s && s.Trim().Length == 0 ? s.Replace(" ", "·") : s;
}
