using System.Text;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Saes.Formats;
using SaeExplorer.Tests;

namespace SaeExplorer.Inference.Tests.Saes;

/// <summary>
/// Crafted .pt files that used to crash the process or reach libtorch (the hardening issue, item 1): each is now one
/// CheckpointException naming the file, with bounded time and memory.
/// </summary>
public sealed class CraftedPickleTests
{
    private static readonly byte[] Proto2 = [0x80, 0x02];

    private static byte[] Pickle(params IEnumerable<byte>[] parts) => [.. Proto2, .. parts.SelectMany(p => p), (byte)'.'];

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static CheckpointException Refused(byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = SaeLoadingTests.WriteTorchZip(tmp.Path, pickle, storages);
        var e = Assert.Throws<CheckpointException>(() => TorchCheckpointReader.Load(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void Lists_nested_50000_deep_are_refused_not_a_stack_overflow()
    {
        // 50,001 empty lists, then 50,000 APPENDs each putting the top list into the one below it.
        var pickle = Pickle(Enumerable.Repeat((byte)']', 50_001), Enumerable.Repeat((byte)'a', 50_000));
        Assert.Contains($"nested more than {RestrictedUnpickler.MaxDepth} deep", Refused(pickle).Message);
    }

    [Fact]
    public void A_list_inside_itself_is_refused()
    {
        // [] BINPUT 0, BINGET 0, APPEND: the list appended to itself.
        Assert.Contains("holds itself", Refused(Pickle([(byte)']', (byte)'q', 0, (byte)'h', 0, (byte)'a'])).Message);
    }

    [Fact]
    public void Shared_lists_expanding_to_two_to_the_forty_values_are_refused()
    {
        // L0 = []; L(i+1) = [Li, Li] via the memo: 41 lists on disk, 2^40 places to visit for code that walks it.
        var parts = new List<byte> { (byte)']', (byte)'q', 0 };
        for (byte i = 0; i < 40; i++)
            parts.AddRange([(byte)'(', (byte)'h', i, (byte)'h', i, (byte)'l', (byte)'q', (byte)(i + 1)]);
        Assert.Contains("expands to more than", Refused(Pickle(parts)).Message);
    }

    [Fact]
    public void A_string_claiming_two_to_the_forty_bytes_is_refused()
    {
        // BINUNICODE8 with a length of 2^40.
        Assert.Contains("malformed value", Refused(Pickle([0x8d], BitConverter.GetBytes(1L << 40))).Message);
    }

    /// <summary>{"w": _rebuild_tensor_v2(storage(FloatStorage, "0", numel), offset, size, stride, False, ())}.</summary>
    private static byte[] TensorPickle(int numel, int offset, int[] size, int[] stride)
    {
        IEnumerable<byte> Int(int v) => [(byte)'J', .. BitConverter.GetBytes(v)];
        IEnumerable<byte> Tuple(int[] values) => [(byte)'(', .. values.SelectMany(Int), (byte)'t'];
        return Pickle(
            [(byte)'}', 0x8c, 1, (byte)'w'],
            Ascii("ctorch._utils\n_rebuild_tensor_v2\n"),
            [(byte)'(', (byte)'(', 0x8c, 7], Ascii("storage"), Ascii("ctorch\nFloatStorage\n"), [0x8c, 1, (byte)'0', 0x8c, 3], Ascii("cpu"),
            Int(numel), [(byte)'t', (byte)'Q'],
            Int(offset), Tuple(size), Tuple(stride), [0x89, (byte)')', (byte)'t', (byte)'R', (byte)'s']);
    }

    [Theory]
    [InlineData(4, 0, new[] { -2, -2 }, new[] { 2, 1 }, "negative or mismatched")]
    [InlineData(4, -1, new[] { 2, 2 }, new[] { 2, 1 }, "negative or mismatched")]
    [InlineData(4, 0, new[] { 2, 2 }, new[] { -2, 1 }, "negative or mismatched")]
    [InlineData(4, 0, new[] { 2, 2 }, new[] { 4, 1 }, "reach past the end of its storage")]
    [InlineData(4, 0, new[] { 2 }, new[] { 2, 1 }, "negative or mismatched")]
    [InlineData(-4, 0, new[] { 2, 2 }, new[] { 2, 1 }, "negative or mismatched")]
    public void A_tensor_layout_outside_its_storage_is_refused_before_libtorch(int numel, int offset, int[] size, int[] stride, string expected)
    {
        var e = Refused(TensorPickle(numel, offset, size, stride), ("0", new byte[16]));
        Assert.Contains(expected, e.Message);
        Assert.Equal("w", e.Tensor);
    }

    [Fact]
    public void The_same_layout_inside_its_storage_loads()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var data = new byte[16];
        BitConverter.GetBytes(3f).CopyTo(data, 12);
        var path = SaeLoadingTests.WriteTorchZip(tmp.Path, TensorPickle(4, 0, [2, 2], [2, 1]), ("0", data));
        var root = (Dictionary<object, object?>)TorchCheckpointReader.Load(path)!;
        using var w = (TorchSharp.torch.Tensor)root["w"]!;
        Assert.Equal([2L, 2L], w.shape);
        Assert.Equal(3f, w[1, 1].item<float>());
    }

    [Fact]
    public void A_pickle_that_inflates_past_64_MiB_is_refused_before_it_is_read()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "bomb.pt");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            using var s = zip.CreateEntry("bomb/data.pkl", System.IO.Compression.CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 80; i++)
                s.Write(zeros);
        }
        Assert.True(new FileInfo(path).Length < 1 << 20);
        var e = Assert.Throws<CheckpointException>(() => TorchCheckpointReader.Load(path));
        Assert.Contains("inflates to 83,886,080 bytes", e.Message);
    }
}

public sealed class CheckpointIntegrityTests
{
    [Fact]
    public void One_flipped_byte_in_tensor_data_fails_the_crc_and_names_the_tensor()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "flipped.pt");
        File.Copy(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), path);
        long offset;
        using (var zip = System.IO.Compression.ZipFile.OpenRead(path))
        {
            var entry = zip.Entries.First(e => e.FullName.Contains("/data/") && e.Length > 64);
            Assert.Equal(entry.Length, entry.CompressedLength);
            // The entry's data follows its 30-byte local header, name and extra field; find it by content.
            using var s = entry.Open();
            var head = new byte[16];
            s.ReadExactly(head);
            offset = File.ReadAllBytes(path).AsSpan().IndexOf(head);
        }
        Assert.True(offset > 0);
        var bytes = File.ReadAllBytes(path);
        bytes[offset + 5] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => TorchCheckpointReader.ReadStateDict(path));
        Assert.Contains("fails its CRC-32 check", e.Message);
        Assert.NotNull(e.Tensor);
    }
}
