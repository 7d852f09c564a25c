using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Tokenization;
using Xunit.Abstractions;

namespace SaeExplorer.Inference.Tests.Tokenization;

/// <summary>
/// Guards that loading and encoding stay interactive, as ratios measured in the same test so a slow or loaded machine
/// does not fail them: loading costs a small multiple of parsing the JSON it comes from, and encoding grows linearly
/// with the number of prompts.
/// </summary>
[Collection(nameof(TimingCollection))]
public sealed class TokenizerPerformanceTests(ITestOutputHelper output)
{
    private static double BestMs(int repetitions, Action<int> action) => Enumerable.Range(0, repetitions).Min(repetition =>
    {
        var sw = Stopwatch.StartNew();
        action(repetition);
        return sw.Elapsed.TotalMilliseconds;
    });

    [Fact]
    public void Loading_costs_a_small_multiple_of_parsing_its_json_and_encoding_grows_linearly()
    {
        string dir = Directory.CreateTempSubdirectory("saex-tok-").FullName;
        try
        {
            string gz = Path.Combine(dir, "tokenizer.json.gz");
            using (var resource = typeof(Llama3Tokenizer).Assembly.GetManifestResourceStream("SaeExplorer.Inference.Tokenization.Data.llama3-tokenizer.json.gz")!)
            using (var file = File.Create(gz))
                resource.CopyTo(file);

            Llama3Tokenizer tok = null!;
            double loadMs = BestMs(2, _ => tok = Llama3Tokenizer.Load(gz));
            double parseMs = BestMs(2, _ =>
            {
                using var stream = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
                using var doc = JsonDocument.Parse(stream);
            });

            var encoder = new PromptEncoder(tok, ChatFormat.Llama31, 131072);
            var chats = TokenizerFixtures.ChatCases;
            int Encode(int count, int offset)
            {
                int tokens = 0;
                for (int i = offset; i < offset + count; i++)
                {
                    // Vary the text so the BPE cache doesn't make every prompt a repeat.
                    var c = chats[i % chats.Length];
                    var messages = c.Messages.Select(m => m with { Content = $"{m.Content} (variant {i}, {i * 7919 % 1000} items)" }).ToArray();
                    tokens += encoder.Encode(messages).Count;
                }
                return tokens;
            }
            Encode(300, 100_000);
            int tokens = 0, tokens1200 = 0;
            // Each repetition encodes texts of its own, so none is timed on a BPE cache its predecessor filled.
            double encode300Ms = BestMs(3, r => tokens = Encode(300, r * 1_000_000));
            double encode1200Ms = BestMs(3, r => tokens1200 = Encode(1200, r * 1_000_000 + 500_000));
            output.WriteLine($"load from .gz: {loadMs:F0} ms (parsing its JSON alone: {parseMs:F0} ms); " +
                $"300 chat prompts ({tokens} tokens): {encode300Ms:F1} ms; 1,200 ({tokens1200} tokens): {encode1200Ms:F1} ms");

            Assert.True(tokens > 300 * 40, $"only {tokens} tokens"); // every fixture chat renders to ≥ 41 tokens
            // Building the vocabulary and 280,000 merges on top of the parse: measured 4–12× here (the parse's time varies
            // with the machine's load more than the build's); 40× is far above that and far below anything quadratic.
            Assert.True(loadMs < 40 * parseMs, $"loading took {loadMs:F0} ms, parsing its JSON {parseMs:F0} ms");
            // 4× the prompts at the same cost per token when encoding is linear; 3× leaves room for noise and still
            // catches quadratic growth (4×).
            double perToken300 = encode300Ms / tokens, perToken1200 = encode1200Ms / tokens1200;
            Assert.True(perToken1200 < 3 * perToken300, $"1,200 prompts took {encode1200Ms:F1} ms for {tokens1200} tokens, 300 took {encode300Ms:F1} ms for {tokens}");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
