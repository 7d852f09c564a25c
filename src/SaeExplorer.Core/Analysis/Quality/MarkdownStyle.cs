namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>Markdown elements of one answer, the style features of Chatbot Arena's style control.</summary>
/// <param name="Headers">Lines that start with 1–6 '#' and then a space or tab.</param>
/// <param name="ListItems">Lines that start, after optional spaces or tabs, with '-', '*', '+' or digits and '.', then a space or tab.</param>
/// <param name="Bold">Non-empty <c>**…**</c> spans, paired left to right within a line.</param>
public readonly record struct MarkdownCounts(int Headers, int ListItems, int Bold);

/// <summary>
/// Counts the markdown that makes an answer look organised, with the line rules of Arena's style features. Lines inside
/// fenced code blocks (``` or ~~~ fences, which may be indented) are skipped, as Arena strips code blocks first: a
/// Python comment "# step 1" or a shell "- item" there is code, not layout.
/// </summary>
public static class MarkdownStyle
{
    /// <summary>Headers, list items and bold spans in <paramref name="text"/>.</summary>
    public static MarkdownCounts Count(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int headers = 0, listItems = 0, bold = 0;
        char? fence = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.AsSpan().TrimEnd('\r');
            var trimmed = line.TrimStart(" \t");
            if (trimmed.StartsWith("```") || trimmed.StartsWith("~~~"))
            {
                // A fence closes only with its own character, so ~~~ inside a ``` block is code.
                if (fence is null)
                    fence = trimmed[0];
                else if (fence == trimmed[0])
                    fence = null;
                continue;
            }
            if (fence is not null)
                continue;
            if (IsHeader(line))
                headers++;
            else if (IsListItem(trimmed))
                listItems++;
            bold += BoldSpans(line);
        }
        return new MarkdownCounts(headers, listItems, bold);
    }

    private static bool IsHeader(ReadOnlySpan<char> line)
    {
        int hashes = 0;
        while (hashes < line.Length && line[hashes] == '#')
            hashes++;
        return hashes is >= 1 and <= 6 && hashes < line.Length && line[hashes] is ' ' or '\t';
    }

    private static bool IsListItem(ReadOnlySpan<char> trimmed)
    {
        if (trimmed.Length >= 2 && trimmed[0] is '-' or '*' or '+')
            return trimmed[1] is ' ' or '\t';
        int digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
            digits++;
        return digits > 0 && digits + 1 < trimmed.Length && trimmed[digits] == '.' && trimmed[digits + 1] is ' ' or '\t';
    }

    // "**" markers in the line, paired first with second, third with fourth; a pair with nothing between ("****") is no span.
    private static int BoldSpans(ReadOnlySpan<char> line)
    {
        int spans = 0;
        int open = -1;
        for (int i = 0; i + 1 < line.Length; i++)
        {
            if (line[i] != '*' || line[i + 1] != '*')
                continue;
            if (open < 0)
            {
                open = i;
            }
            else
            {
                if (i > open + 2)
                    spans++;
                open = -1;
            }
            i++;
        }
        return spans;
    }
}
