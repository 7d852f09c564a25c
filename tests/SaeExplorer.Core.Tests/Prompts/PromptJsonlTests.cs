using SaeExplorer.Core.Prompts;
using SaeExplorer.Tests;

namespace SaeExplorer.Core.Tests.Prompts;

public sealed class PromptJsonlTests
{
    private static string Write(TempDirectory tmp, byte[] content)
    {
        var path = Path.Combine(tmp.Path, "p.jsonl");
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_naming_the_line()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        // Line 2 holds a Latin-1 é (0xE9), which is no UTF-8.
        var path = Write(tmp, [.. "{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"caf"u8, 0xE9, .. "\"}\n"u8]);
        var e = Assert.Throws<PromptFileException>(() => PromptJsonl.Read(path));
        Assert.Equal($"{path}:2: not valid UTF-8; save the file as UTF-8.", e.Message);
    }

    [Fact]
    public void A_lone_surrogate_escape_is_refused_naming_the_line()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Write(tmp, "{\"id\":\"a\",\"text\":\"bad \\ud800 here\"}\n"u8.ToArray());
        var e = Assert.Throws<PromptFileException>(() => PromptJsonl.Read(path));
        Assert.StartsWith($"{path}:1: a string holds a lone UTF-16 surrogate", e.Message);
    }

    [Fact]
    public void Valid_utf8_with_a_surrogate_pair_and_a_byte_order_mark_reads()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Write(tmp, [0xEF, 0xBB, 0xBF, .. "{\"id\":\"a\",\"text\":\"caf\u00e9 \\ud83d\\ude00\"}\n\n{\"id\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"u8]);
        var prompts = PromptJsonl.Read(path);
        Assert.Equal(["a", "b"], prompts.Select(p => p.Id));
        Assert.Equal("café 😀", prompts[0].Text);
        Assert.Equal("hi", prompts[1].Messages![0].Content);
    }
}
