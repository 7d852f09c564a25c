using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace SaeExplorer.Reports.Tests;

/// <summary>A PNG read chunk by chunk, independently of the exporter's writer, with its pixels decoded by Skia.</summary>
internal sealed class PngFile
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private PngFile(IReadOnlyList<(string Type, byte[] Data)> chunks, SKBitmap pixels)
    {
        Chunks = chunks;
        Pixels = pixels;
    }

    public IReadOnlyList<(string Type, byte[] Data)> Chunks { get; }
    public SKBitmap Pixels { get; }

    public int Width => (int)BinaryPrimitives.ReadUInt32BigEndian(Chunk("IHDR"));
    public int Height => (int)BinaryPrimitives.ReadUInt32BigEndian(Chunk("IHDR").AsSpan(4));

    public byte[] Chunk(string type) => Chunks.Single(c => c.Type == type).Data;

    public int IndexOf(string type) => Chunks.Select((c, i) => (c.Type, i)).First(c => c.Type == type).i;

    /// <summary>Parses every chunk, checking each CRC; fails on a malformed file.</summary>
    public static PngFile Read(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(Signature), "PNG signature");
        var chunks = new List<(string, byte[])>();
        var offset = 8;
        while (offset < png.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            var type = Encoding.ASCII.GetString(png, offset + 4, 4);
            var data = png.AsSpan(offset + 8, length).ToArray();
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8 + length));
            Assert.Equal(Crc32(png.AsSpan(offset + 4, 4 + length)), crc);
            chunks.Add((type, data));
            offset += 12 + length;
        }
        Assert.Equal(png.Length, offset);
        Assert.Equal("IHDR", chunks[0].Item1);
        Assert.Equal("IEND", chunks[^1].Item1);
        var bitmap = SKBitmap.Decode(png) ?? throw new InvalidOperationException("Skia could not decode the PNG.");
        return new PngFile(chunks, bitmap);
    }

    public (byte R, byte G, byte B) PixelAt(double x, double y)
    {
        var c = Pixels.GetPixel((int)Math.Round(x), (int)Math.Round(y));
        return (c.Red, c.Green, c.Blue);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
