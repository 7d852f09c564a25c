using System.IO.Compression;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Inference.Tests.Tokenization;

public sealed class TokenizerLoadingTests
{
    [Fact]
    public void LoadEmbedded_IsCached() => Assert.Same(Llama3Tokenizer.LoadEmbedded(), Llama3Tokenizer.LoadEmbedded());

    [Fact]
    public void Load_MissingFile_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "saex-no-such-dir", "tokenizer.json");
        var ex = Assert.Throws<FileNotFoundException>(() => Llama3Tokenizer.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("tokenizer.json", ex.Message);
    }

    [Fact]
    public void Load_DirectoryWithoutTokenizer_SaysWhatIsExpected()
    {
        string dir = Directory.CreateTempSubdirectory("saex-tok-").FullName;
        try
        {
            var ex = Assert.Throws<FileNotFoundException>(() => Llama3Tokenizer.Load(dir));
            Assert.Contains(dir, ex.Message);
            Assert.Contains("tokenizer.json.gz", ex.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Load_NotATokenizer_NamesFileAndExpectation()
    {
        string dir = Directory.CreateTempSubdirectory("saex-tok-").FullName;
        try
        {
            string config = Path.Combine(dir, "tokenizer.json");
            File.Copy(Path.Combine(TokenizerFixtures.Dir, "tokenizer_config.llama31.json"), config);
            var ex = Assert.Throws<InvalidDataException>(() => Llama3Tokenizer.Load(config));
            Assert.Contains(config, ex.Message);
            Assert.Contains("Llama 3 byte-level BPE tokenizer.json", ex.Message);

            File.WriteAllText(config, "not json {");
            var bad = Assert.Throws<InvalidDataException>(() => Llama3Tokenizer.Load(config));
            Assert.Contains(config, bad.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Load_GzFileAndModelDirectories_GiveTheSameTokenizer()
    {
        string dir = Directory.CreateTempSubdirectory("saex-tok-").FullName;
        try
        {
            string gz = Path.Combine(dir, "tokenizer.json.gz");
            using (var resource = typeof(Llama3Tokenizer).Assembly.GetManifestResourceStream("SaeExplorer.Inference.Tokenization.Data.llama3-tokenizer.json.gz")!)
            using (var file = File.Create(gz))
                resource.CopyTo(file);

            var c = TokenizerFixtures.TokenizerCases.Single(x => x.Text.StartsWith("Special tokens", StringComparison.Ordinal));
            var fromGz = Llama3Tokenizer.Load(gz);
            Assert.Equal(gz, fromGz.Source);
            Assert.Equal(c.Ids, fromGz.Encode(c.Text).Ids);

            var fromDirGz = Llama3Tokenizer.Load(dir);
            Assert.Equal(gz, fromDirGz.Source);

            // With both present, the plain tokenizer.json wins.
            string json = Path.Combine(dir, "tokenizer.json");
            using (var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
            using (var output = File.Create(json))
                input.CopyTo(output);
            var fromDir = Llama3Tokenizer.Load(dir);
            Assert.Equal(json, fromDir.Source);
            Assert.Equal(c.Ids, fromDir.Encode(c.Text).Ids);
            Assert.Equal(128256, fromDir.VocabSize);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
