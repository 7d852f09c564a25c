namespace SaeExplorer.Inference.Tokenization;

/// <summary>
/// Which tokens of an encoded prompt belong to the user's message(s). The chat template's system block, headers and
/// BOS are identical across prompt styles, so features pooled over them say nothing about the style; pooling over
/// the user's tokens only removes that common part.
/// </summary>
public static class PromptSegments
{
    private const string UserHeader = Llama3Tokenizer.StartHeaderToken + "user" + Llama3Tokenizer.EndHeaderToken + "\n\n";

    /// <summary>
    /// Positions (ascending) of the tokens inside user message contents; for raw text, every token but the BOS.
    /// A token counts when its character span overlaps the message content.
    /// </summary>
    public static int[] UserTokenPositions(EncodedPrompt prompt)
    {
        if (prompt.Format == ChatFormat.None)
            return Enumerable.Range(0, prompt.Ids.Length).Where(i => !(i == 0 && prompt.Offsets[0].Start == prompt.Offsets[0].End)).ToArray();

        var spans = new List<(int Start, int End)>();
        int cursor = 0;
        while (true)
        {
            int header = prompt.Text.IndexOf(UserHeader, cursor, StringComparison.Ordinal);
            if (header < 0)
                break;
            int start = header + UserHeader.Length;
            int end = prompt.Text.IndexOf(Llama3Tokenizer.EotToken, start, StringComparison.Ordinal);
            if (end < 0)
                end = prompt.Text.Length;
            spans.Add((CodePointIndex(prompt.Text, start), CodePointIndex(prompt.Text, end)));
            cursor = end;
        }
        var positions = new List<int>();
        for (int i = 0; i < prompt.Offsets.Length; i++)
        {
            var o = prompt.Offsets[i];
            if (spans.Any(s => o.Start < s.End && o.End > s.Start))
                positions.Add(i);
        }
        return [.. positions];
    }

    // Token offsets are code-point indices (Hugging Face's convention); .NET string indices count UTF-16 units.
    private static int CodePointIndex(string text, int utf16Index)
    {
        int count = 0;
        for (int i = 0; i < utf16Index; i++)
        {
            if (!(char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1])))
                count++;
        }
        return count;
    }
}
