namespace SaeExplorer.Inference.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ printable-character map (<c>bytes_to_unicode</c>), which byte-level BPE
/// tokenizer.json files use to store byte sequences as JSON strings (a space byte is written "Ġ").
/// We need it to turn the vocabulary back into raw bytes for tiktoken-style BPE and for decoding.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly int[] CharToByte = BuildCharToByte(ByteToChar);

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var direct = new bool[256];
        // Printable Latin-1 bytes map to themselves; the rest are shifted to 256+n, in byte order.
        for (int b = '!'; b <= '~'; b++) direct[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) direct[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) direct[b] = true;
        int n = 0;
        for (int b = 0; b < 256; b++)
            map[b] = direct[b] ? (char)b : (char)(256 + n++);
        return map;
    }

    private static int[] BuildCharToByte(char[] byteToChar)
    {
        // All mapped characters are below U+0144, so a small dense table suffices.
        var table = new int[512];
        Array.Fill(table, -1);
        for (int b = 0; b < 256; b++) table[byteToChar[b]] = b;
        return table;
    }

    /// <summary>Decodes a byte-level token string into its bytes; null if a character is outside the alphabet.</summary>
    public static byte[]? TryDecode(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            int b = c < CharToByte.Length ? CharToByte[c] : -1;
            if (b < 0) return null;
            bytes[i] = (byte)b;
        }
        return bytes;
    }

    /// <summary>Encodes raw bytes as a byte-level token string (the form used in tokenizer.json).</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }
}
