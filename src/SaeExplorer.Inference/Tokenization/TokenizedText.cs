namespace SaeExplorer.Inference.Tokenization;

/// <summary>
/// Span of the input covered by one token, in Unicode code points (Python's string indexing, as the
/// Hugging Face reference reports it) rather than .NET UTF-16 indices, so offsets compare 1:1 with
/// Python tooling and an emoji outside the BMP counts as one character. <see cref="End"/> is exclusive.
/// </summary>
/// <remarks>
/// A byte-level token can hold only part of a character's UTF-8 bytes; it then reports the whole
/// character, so neighbouring spans may overlap (e.g. [6,8] then [7,8]). Special tokens added
/// by the tokenizer (not present in the text), such as an automatic BOS, report (0,0).
/// </remarks>
public readonly record struct TokenOffset(int Start, int End);

/// <summary>Token ids and their code-point offsets into the encoded string; both arrays have the same length.</summary>
public sealed record TokenizedText(int[] Ids, TokenOffset[] Offsets)
{
    /// <summary>Number of tokens.</summary>
    public int Count => Ids.Length;
}
