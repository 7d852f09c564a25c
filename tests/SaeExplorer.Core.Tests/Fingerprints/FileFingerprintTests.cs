using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SaeExplorer.Core.Fingerprints;
using SaeExplorer.Tests;

namespace SaeExplorer.Core.Tests.Fingerprints;

public sealed class FileFingerprintTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly TempDirectory _dir = FixturePaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private string Write(string relativePath, byte[] content)
    {
        var path = Path.Combine(_dir.Path, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>A sparse file of <paramref name="length"/> zero bytes (no disk used) with a marker at the start.</summary>
    private string WriteLarge(string name, long length)
    {
        var path = Path.Combine(_dir.Path, name);
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write);
        f.SetLength(length);
        f.Write("safetensors header"u8);
        return path;
    }

    private static void SetByte(string path, long offset, byte value)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
        f.Position = offset;
        f.WriteByte(value);
    }

    [Fact]
    public void Known_value_for_one_small_file()
    {
        var path = Write("a.txt", "hi"u8.ToArray());
        // SHA-256 of: int32 LE name length (5), "a.txt", int64 LE file length (2), "hi".
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes(5));
        expected.AddRange("a.txt"u8.ToArray());
        expected.AddRange(BitConverter.GetBytes(2L));
        expected.AddRange("hi"u8.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected.ToArray())), FileFingerprint.ForFile(path));
        Assert.Equal(64, FileFingerprint.ForFile(path).Length);
    }

    [Fact]
    public void Same_content_at_another_path_and_in_another_order_gives_the_same_value()
    {
        var a1 = Write("one/config.json", "{\"a\": 1}"u8.ToArray());
        var b1 = Write("one/tokenizer.json", "{}"u8.ToArray());
        var a2 = Write("two/deeper/config.json", "{\"a\": 1}"u8.ToArray());
        var b2 = Write("two/deeper/tokenizer.json", "{}"u8.ToArray());
        Assert.Equal(FileFingerprint.Compute([a1, b1]), FileFingerprint.Compute([b2, a2]));
        Assert.Equal(FileFingerprint.ForFile(a1), FileFingerprint.ForFile(a2));
    }

    [Fact]
    public void The_file_name_is_part_of_the_value()
    {
        var a = Write("config.json", "{}"u8.ToArray());
        var b = Write("other.json", "{}"u8.ToArray());
        Assert.NotEqual(FileFingerprint.ForFile(a), FileFingerprint.ForFile(b));
    }

    [Fact]
    public void One_changed_byte_of_a_small_file_changes_the_value()
    {
        var content = Encoding.UTF8.GetBytes(new string('x', 10_000));
        var path = Write("tokenizer_config.json", content);
        var before = FileFingerprint.ForFile(path);
        SetByte(path, 9_999, (byte)'y');
        Assert.NotEqual(before, FileFingerprint.ForFile(path));
        SetByte(path, 9_999, (byte)'x');
        Assert.Equal(before, FileFingerprint.ForFile(path));
    }

    [Fact]
    public void Truncating_a_file_changes_the_value()
    {
        var path = Write("config.json", "{\"hidden_size\": 8192}\n"u8.ToArray());
        var before = FileFingerprint.ForFile(path);
        File.WriteAllBytes(path, "{\"hidden_size\": 8192}"u8.ToArray());
        Assert.NotEqual(before, FileFingerprint.ForFile(path));
    }

    [Fact]
    public void Sampled_regions_of_a_large_file()
    {
        Assert.Equal([(0L, 10L)], FileFingerprint.SampledRegions(10));
        Assert.Equal([(0L, 64 * MiB)], FileFingerprint.SampledRegions(64 * MiB));

        // 96 MiB: head [0, 1), tail [95, 96), and the middle 94 MiB cut in 16 parts of 5.875 MiB, each sampled by a
        // 256 KiB slice at its centre: part 0 is [1, 6.875) MiB, so its slice starts at 1 + (5.875 − 0.25) / 2 MiB.
        var regions = FileFingerprint.SampledRegions(96 * MiB);
        Assert.Equal(18, regions.Count);
        Assert.Equal((0L, MiB), regions[0]);
        Assert.Equal((3_997_696L, MiB / 4), regions[1]);
        Assert.Equal((96_403_456L, MiB / 4), regions[16]);
        Assert.Equal((95 * MiB, MiB), regions[17]);
        Assert.Equal(6 * MiB, regions.Sum(r => r.Length));
    }

    [Fact]
    public void Large_file_changes_in_sampled_regions_and_length_change_the_value_but_unsampled_bytes_do_not()
    {
        long length = 96 * MiB + 5;
        var path = WriteLarge("model-00001-of-00030.safetensors", length);
        var regions = FileFingerprint.SampledRegions(length);
        var before = FileFingerprint.ForFile(path);

        foreach (var offset in new[] { 100L, regions[5].Offset + 12_345, length - 1 })
        {
            SetByte(path, offset, 0x7f);
            Assert.NotEqual(before, FileFingerprint.ForFile(path));
            SetByte(path, offset, 0);
            Assert.Equal(before, FileFingerprint.ForFile(path));
        }

        // The price of sampling: a byte between samples is not seen (the first byte after the head is one such).
        SetByte(path, MiB, 0x7f);
        Assert.Equal(before, FileFingerprint.ForFile(path));
        SetByte(path, MiB, 0);

        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
            f.SetLength(length - 1);
        Assert.NotEqual(before, FileFingerprint.ForFile(path));
    }

    [Fact]
    public void A_large_file_is_fingerprinted_from_its_samples_faster_than_a_small_file_is_hashed_whole()
    {
        // 6 MiB read and hashed for a 4 GiB shard against 64 MiB for the largest file hashed whole: on any machine,
        // however loaded, the shard takes less time (a shard read whole would take ~64 times longer instead).
        var large = WriteLarge("model.safetensors", 4L << 30);
        var whole = WriteLarge("tokenizer.json", FileFingerprint.FullHashLimit);
        double Best(string path) => Enumerable.Range(0, 3).Min(_ =>
        {
            var watch = Stopwatch.StartNew();
            FileFingerprint.ForFile(path);
            return watch.Elapsed.TotalMilliseconds;
        });
        double sampled = Best(large), full = Best(whole);
        Assert.True(sampled < full, $"4 GiB sampled in {sampled:F1} ms, 64 MiB hashed whole in {full:F1} ms");
    }

    [Fact]
    public void Model_directory_fingerprint_covers_config_tokenizer_index_and_shards_only()
    {
        var model = _dir.Copy(FixturePaths.TinyModel, "model");
        var files = FileFingerprint.ModelDirectoryFiles(model).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(
        [
            "config.json", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
            "model.safetensors.index.json", "tokenizer.json.gz", "tokenizer_config.json",
        ], files);

        var before = FileFingerprint.ForModelDirectory(model);
        Assert.Equal(FileFingerprint.ForModelDirectory(FixturePaths.TinyModel), before);

        File.AppendAllText(Path.Combine(model, "generation_config.json"), " ");
        File.WriteAllText(Path.Combine(model, "README.md"), "notes");
        Assert.Equal(before, FileFingerprint.ForModelDirectory(model));

        SetByte(Path.Combine(model, "model-00002-of-00003.safetensors"), 4_000_000, 0x42);
        Assert.NotEqual(before, FileFingerprint.ForModelDirectory(model));
    }

    [Fact]
    public void Missing_files_are_named()
    {
        var missing = Path.Combine(_dir.Path, "nope.json");
        var e = Assert.Throws<FileNotFoundException>(() => FileFingerprint.ForFile(missing));
        Assert.Equal(missing, e.FileName);
        Assert.Contains(missing, e.Message);

        var model = _dir.Copy(FixturePaths.TinyModel, "model");
        File.Delete(Path.Combine(model, "tokenizer_config.json"));
        e = Assert.Throws<FileNotFoundException>(() => FileFingerprint.ForModelDirectory(model));
        Assert.Contains("tokenizer_config.json is missing", e.Message);

        var shardless = _dir.Copy(FixturePaths.TinyModel, "shardless");
        File.Delete(Path.Combine(shardless, "model-00003-of-00003.safetensors"));
        e = Assert.Throws<FileNotFoundException>(() => FileFingerprint.ForModelDirectory(shardless));
        Assert.Contains("model-00003-of-00003.safetensors is missing", e.Message);

        Assert.Throws<DirectoryNotFoundException>(() => FileFingerprint.ForModelDirectory(Path.Combine(_dir.Path, "no-model")));
        Assert.Throws<ArgumentException>(() => FileFingerprint.Compute([]));
    }

    [Fact]
    public void Text_fingerprint_is_the_sha256_of_its_utf8_bytes()
    {
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", FileFingerprint.ForText("hello"));
        Assert.NotEqual(FileFingerprint.ForText("hello"), FileFingerprint.ForText("hello "));
    }
}
