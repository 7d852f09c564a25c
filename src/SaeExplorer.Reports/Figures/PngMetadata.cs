using System.Buffers.Binary;
using System.Text;

namespace SaeExplorer.Reports.Figures;

/// <summary>
/// Writes the physical resolution into a PNG. Skia's encoder leaves out the pHYs chunk, and without it word processors
/// and LaTeX place a 1050-pixel-wide figure at 96 or 72 dpi (11 or 14.6 in wide) instead of 3.5 in.
/// </summary>
internal static class PngMetadata
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Pixels per metre for a dpi, as pHYs stores it (300 dpi → 11811).</summary>
    public static uint PixelsPerMetre(int dpi) => (uint)Math.Round(dpi / 0.0254);

    /// <summary>The PNG with its pHYs chunk (any existing one replaced) placed right after IHDR.</summary>
    public static byte[] WithDpi(ReadOnlySpan<byte> png, int dpi)
    {
        if (png.Length < Signature.Length + 25 || !png[..Signature.Length].SequenceEqual(Signature))
            throw new ArgumentException("not a PNG file.", nameof(png));
        using var output = new MemoryStream(png.Length + 21);
        output.Write(Signature);
        var offset = Signature.Length;
        var sawIhdr = false;
        while (offset < png.Length)
        {
            var length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png[offset..]));
            var type = Encoding.ASCII.GetString(png.Slice(offset + 4, 4));
            var chunk = png.Slice(offset, 12 + length);
            offset += 12 + length;
            if (type == "pHYs") continue;
            output.Write(chunk);
            if (type == "IHDR")
            {
                sawIhdr = true;
                var ppm = PixelsPerMetre(dpi);
                var data = new byte[9];
                BinaryPrimitives.WriteUInt32BigEndian(data, ppm);
                BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), ppm);
                data[8] = 1; // unit: metre
                WriteChunk(output, "pHYs"u8, data);
            }
        }
        if (!sawIhdr) throw new ArgumentException("PNG without an IHDR chunk.", nameof(png));
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        var crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    /// <summary>The CRC-32 of ISO 3309 / PNG (polynomial 0xEDB88320, reflected).</summary>
    internal static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            var c = (uint)n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Update(uint crc, ReadOnlySpan<byte> bytes)
        {
            foreach (var b in bytes) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc;
        }
    }
}
