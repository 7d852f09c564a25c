using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

/// <summary>I/O failures a user can fix are one error line naming the path (exit 2), not a stack trace (exit 70).</summary>
public sealed class IoErrorTests
{
    [Fact]
    public void An_output_under_a_file_where_a_folder_is_needed_is_one_line()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var file = Path.Combine(tmp.Path, "not-a-folder");
        File.WriteAllText(file, "x");
        var prompts = Path.Combine(tmp.Path, "p.jsonl");
        File.WriteAllText(prompts, "{\"id\": \"a\", \"text\": \"hello\"}\n");
        var result = Saex.Run("capture", "--model", FixturePaths.TinyModel, "--prompts", prompts, "--layers", "1", "--out", Path.Combine(file, "acts.safetensors"));
        Assert.Equal(2, result.ExitCode);
        Saex.AssertRefused(result, file);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public void A_prompt_file_that_is_not_utf8_is_one_line_naming_the_line()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var prompts = Path.Combine(tmp.Path, "p.jsonl");
        File.WriteAllBytes(prompts, [.. "{\"id\": \"a\", \"text\": \"caf"u8, 0xE9, .. "\"}\n"u8]);
        var result = Saex.Run("capture", "--model", FixturePaths.TinyModel, "--prompts", prompts, "--layers", "1", "--out", Path.Combine(tmp.Path, "o.safetensors"));
        Assert.Equal(2, result.ExitCode);
        Saex.AssertRefused(result, $"{prompts}:1: not valid UTF-8");
    }
}
