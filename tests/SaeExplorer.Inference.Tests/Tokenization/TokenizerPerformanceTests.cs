using System.Diagnostics;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Tokenization;
using Xunit.Abstractions;

namespace SaeExplorer.Inference.Tests.Tokenization;

/// <summary>Coarse guards (generous bounds for slow CI) that loading and encoding stay interactive.</summary>
public sealed class TokenizerPerformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void LoadFromGz_AndEncode300ChatPrompts_AreFast()
    {
        string dir = Directory.CreateTempSubdirectory("saex-tok-").FullName;
        try
        {
            string gz = Path.Combine(dir, "tokenizer.json.gz");
            using (var resource = typeof(Llama3Tokenizer).Assembly.GetManifestResourceStream("SaeExplorer.Inference.Tokenization.Data.llama3-tokenizer.json.gz")!)
            using (var file = File.Create(gz))
                resource.CopyTo(file);

            var sw = Stopwatch.StartNew();
            var tok = Llama3Tokenizer.Load(gz);
            double loadMs = sw.Elapsed.TotalMilliseconds;

            var encoder = new PromptEncoder(tok, ChatFormat.Llama31, 131072);
            var chats = TokenizerFixtures.ChatCases;
            sw.Restart();
            int tokens = 0;
            for (int i = 0; i < 300; i++)
            {
                // Vary the text so the BPE cache doesn't make every prompt a repeat.
                var c = chats[i % chats.Length];
                var messages = c.Messages.Select(m => m with { Content = $"{m.Content} (variant {i}, {i * 7919 % 1000} items)" }).ToArray();
                tokens += encoder.Encode(messages).Count;
            }
            double encodeMs = sw.Elapsed.TotalMilliseconds;
            output.WriteLine($"load from .gz: {loadMs:F0} ms; 300 chat prompts ({tokens} tokens): {encodeMs:F1} ms");

            Assert.True(loadMs < 5000, $"loading took {loadMs:F0} ms");
            Assert.True(encodeMs < 2000, $"encoding 300 prompts took {encodeMs:F0} ms");
            Assert.True(tokens > 300 * 40, $"only {tokens} tokens"); // every fixture chat renders to ≥ 41 tokens
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
