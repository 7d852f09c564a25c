using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SaeExplorer.Core.Fingerprints;

/// <summary>
/// SHA-256 fingerprints of files, used to tie cached results (captures, SAE features) to the exact model, tokenizer
/// and SAE that produced them. Small files are hashed whole; large ones (checkpoint shards) are sampled — head, tail
/// and 16 slices spread evenly between, 6 MiB per file whatever its size (the head holds a safetensors shard's whole
/// header, with every tensor's name, shape and offset) — so a 140 GB checkpoint of 30 shards hashes 180 MB, about
/// 0.15 s at SHA-256's 1.3 GB/s on a 2-core Xeon (cached), while a different download (new header offsets and values), a truncation (the length is hashed)
/// or any edit of config/tokenizer still changes the value. Only file names, not directories, enter the hash, so a
/// copied model fingerprints the same.
/// </summary>
public static class FileFingerprint
{
    /// <summary>Files up to this size are hashed in full.</summary>
    public const long FullHashLimit = 64L << 20;

    /// <summary>Bytes hashed at the start and at the end of a larger file.</summary>
    public const int EdgeBytes = 1 << 20;

    /// <summary>Number of slices sampled between the head and the tail of a larger file.</summary>
    public const int SampleCount = 16;

    /// <summary>Bytes in each of those slices.</summary>
    public const int SampleBytes = 256 << 10;

    /// <summary>
    /// Lowercase hex SHA-256 over the files in ordinal order of their file name (full path breaks ties): per file its
    /// name, its length, and its content (all of it up to <see cref="FullHashLimit"/>, else the regions of
    /// <see cref="SampledRegions"/>).
    /// </summary>
    public static string Compute(IEnumerable<string> files)
    {
        var ordered = files
            .Select(f => Path.GetFullPath(f))
            .OrderBy(Path.GetFileName, StringComparer.Ordinal)
            .ThenBy(f => f, StringComparer.Ordinal)
            .ToArray();
        if (ordered.Length == 0)
            throw new ArgumentException("no files to fingerprint.", nameof(files));
        foreach (var f in ordered)
        {
            if (!File.Exists(f))
                throw new FileNotFoundException($"cannot fingerprint {f}: file not found.", f);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[SampleBytes];
        foreach (var path in ordered)
            AppendFile(hash, path, buffer);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string ForFile(string path) => Compute([path]);

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes of <paramref name="text"/> (for settings, prompt sets, ...).</summary>
    public static string ForText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The fingerprint of a Hugging Face model directory: config.json, tokenizer_config.json, tokenizer.json and/or
    /// tokenizer.json.gz, model.safetensors.index.json when present, and every *.safetensors file. Other files
    /// (README, generation_config.json) do not change what a capture computes, so they are left out.
    /// </summary>
    public static string ForModelDirectory(string directory) => Compute(ModelDirectoryFiles(directory));

    /// <summary>The files <see cref="ForModelDirectory"/> hashes; throws for a missing required file.</summary>
    public static IReadOnlyList<string> ModelDirectoryFiles(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"model directory {directory} not found.");
        var files = new List<string>
        {
            Required(directory, "config.json"),
            Required(directory, "tokenizer_config.json"),
        };
        var tokenizers = new[] { "tokenizer.json", "tokenizer.json.gz" }
            .Select(n => Path.Combine(directory, n)).Where(File.Exists).ToArray();
        if (tokenizers.Length == 0)
            throw new FileNotFoundException($"cannot fingerprint {directory}: neither tokenizer.json nor tokenizer.json.gz is there.", Path.Combine(directory, "tokenizer.json"));
        files.AddRange(tokenizers);

        var shards = Directory.GetFiles(directory, "*.safetensors");
        var index = Path.Combine(directory, "model.safetensors.index.json");
        if (File.Exists(index))
        {
            files.Add(index);
            // A shard the index names but that is missing (an interrupted download) must not give a valid fingerprint.
            foreach (var shard in IndexedShards(index))
                Required(directory, shard);
        }
        if (shards.Length == 0)
            throw new FileNotFoundException($"cannot fingerprint {directory}: no *.safetensors weights there.", Path.Combine(directory, "model.safetensors"));
        files.AddRange(shards);
        return files;
    }

    /// <summary>
    /// The (offset, length) regions hashed for a file of <paramref name="length"/> bytes: the whole file up to
    /// <see cref="FullHashLimit"/>; else the first and last <see cref="EdgeBytes"/> and, between them,
    /// <see cref="SampleCount"/> slices of <see cref="SampleBytes"/>, each centred in one of as many equal parts.
    /// </summary>
    public static IReadOnlyList<(long Offset, long Length)> SampledRegions(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= FullHashLimit)
            return [(0, length)];
        var regions = new List<(long, long)>(SampleCount + 2) { (0, EdgeBytes) };
        long middleStart = EdgeBytes;
        long middleLength = length - 2L * EdgeBytes;
        for (int i = 0; i < SampleCount; i++)
        {
            long partStart = middleStart + middleLength * i / SampleCount;
            long partEnd = middleStart + middleLength * (i + 1) / SampleCount;
            regions.Add((partStart + (partEnd - partStart - SampleBytes) / 2, SampleBytes));
        }
        regions.Add((length - EdgeBytes, EdgeBytes));
        return regions;
    }

    private static void AppendFile(IncrementalHash hash, string path, byte[] buffer)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = RandomAccess.GetLength(handle);

        // Length-prefixed name and the file length: no two different (name, content) sequences share a byte stream.
        var name = Encoding.UTF8.GetBytes(Path.GetFileName(path));
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(header, name.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[4..], length);
        hash.AppendData(header[..4]);
        hash.AppendData(name);
        hash.AppendData(header[4..]);

        foreach (var (offset, count) in SampledRegions(length))
        {
            long done = 0;
            while (done < count)
            {
                int want = (int)Math.Min(buffer.Length, count - done);
                int read = RandomAccess.Read(handle, buffer.AsSpan(0, want), offset + done);
                if (read == 0)
                    throw new IOException($"{path} got shorter while it was being fingerprinted.");
                hash.AppendData(buffer, 0, read);
                done += read;
            }
        }
    }

    private static string Required(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"cannot fingerprint {directory}: {name} is missing.", path);
        return path;
    }

    private static IEnumerable<string> IndexedShards(string indexPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                return [];
            return map.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.String)
                .Select(p => p.Value.GetString()!)
                .Distinct(StringComparer.Ordinal)
                .ToArray();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{indexPath}: not valid JSON ({e.Message}).");
        }
    }
}
