using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using CsCheck;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Saes.Formats;
using SaeExplorer.Tests;

namespace SaeExplorer.Inference.Tests.Loading;

/// <summary>
/// Property: every parser of an untrusted file, given a randomly damaged valid file (bytes flipped, inserted, deleted,
/// truncated), gives a valid result or its own one-line exception — never another exception, a crash or a hang
/// (the hardening issue). Each runs a bounded number of cases in a bounded time; a failure prints the seed to replay.
/// </summary>
public sealed class ParserMutationTests
{
    private const int Cases = 300;

    /// <summary>A damage: (kind, position fraction, byte); applied in order.</summary>
    private static readonly Gen<(int Kind, double At, byte Value)[]> Damages =
        Gen.Select(Gen.Int[0, 3], Gen.Double[0, 1], Gen.Byte).Array[1, 6];

    private static byte[] Damage(byte[] valid, (int Kind, double At, byte Value)[] damages)
    {
        var bytes = valid.ToList();
        foreach (var (kind, at, value) in damages)
        {
            int i = Math.Min(bytes.Count - 1, (int)(at * bytes.Count));
            if (bytes.Count == 0)
                break;
            switch (kind)
            {
                case 0: bytes[i] = value; break;
                case 1: bytes.Insert(i, value); break;
                case 2: bytes.RemoveAt(i); break;
                default: bytes.RemoveRange(i, bytes.Count - i); break;
            }
        }
        return [.. bytes];
    }

    private static void Check(byte[] valid, Action<byte[]> parse, params Type[] allowed)
    {
        Damages.Sample(damages =>
        {
            var bytes = Damage(valid, damages);
            var clock = Stopwatch.StartNew();
            try
            {
                parse(bytes);
            }
            catch (Exception e) when (allowed.Any(t => t.IsInstanceOfType(e)))
            {
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"a damaged input took {clock.Elapsed.TotalSeconds:F1}s");
        }, iter: Cases, threads: 1);
    }

    private static string Temp(TempDirectory tmp, string name, byte[] bytes)
    {
        var path = Path.Combine(tmp.Path, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Safetensors_headers()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var header = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]}}"u8.ToArray();
        byte[] valid = [.. BitConverter.GetBytes((long)header.Length), .. header, .. new byte[22]];
        Check(valid, bytes =>
        {
            using var file = SafetensorsFile.Open(Temp(tmp, "m.safetensors", bytes));
            foreach (var e in file.Entries)
                file.ReadTensor(e.Name).Dispose();
        }, typeof(CheckpointException));
    }

    [Fact]
    public void Pickles()
    {
        byte[] valid;
        using (var zip = ZipFile.OpenRead(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt")))
        {
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
            using var s = entry.Open();
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            valid = copy.ToArray();
        }
        Check(valid, bytes => new RestrictedUnpickler(bytes).Load(), typeof(UnpicklingException));
    }

    [Fact]
    public void Model_configs()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var valid = File.ReadAllBytes(Path.Combine(FixturePaths.TinyModel, "config.json"));
        Check(valid, bytes => LlamaConfig.Load(Temp(tmp, "config.json", bytes)), typeof(CheckpointException));
    }

    [Fact]
    public void Prompt_files()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var valid = Encoding.UTF8.GetBytes("{\"id\":\"a\",\"text\":\"café 😀\"}\n{\"id\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n");
        Check(valid, bytes => PromptJsonl.Read(Temp(tmp, "p.jsonl", bytes)), typeof(PromptFileException));
    }
}
