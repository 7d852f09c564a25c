using System.Text.Json;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

public sealed class TokenizeCommandTests
{
    private static string TokenizerCases => Path.Combine(FixturePaths.Fixtures, "tokenizer", "tokenizer_cases.json");

    [Fact]
    public void Tokenize_reproduces_every_reference_case_through_the_executable()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var cases = JsonDocument.Parse(File.ReadAllText(TokenizerCases));
        var entries = cases.RootElement.GetProperty("cases").EnumerateArray().ToList();
        var input = Path.Combine(tmp.Path, "strings.json");
        File.WriteAllText(input, JsonSerializer.Serialize(entries.Select(c => c.GetProperty("text").GetString()).ToList()));
        var output = Path.Combine(tmp.Path, "out.json");

        var result = Saex.Run("tokenize", "--tokenizer", FixturePaths.TinyModel, "--input", input, "--out", output);

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var produced = JsonDocument.Parse(File.ReadAllText(output));
        var rows = produced.RootElement.EnumerateArray().ToList();
        Assert.Equal(30, rows.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            Assert.Equal(entries[i].GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()), rows[i].GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()));
            var expectedOffsets = entries[i].GetProperty("offsets").EnumerateArray().Select(o => (o[0].GetInt32(), o[1].GetInt32())).ToList();
            var offsets = rows[i].GetProperty("offsets").EnumerateArray().Select(o => (o[0].GetInt32(), o[1].GetInt32())).ToList();
            Assert.Equal(expectedOffsets, offsets);
        }
        Assert.Equal(["ids", "offsets"], rows[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void A_missing_input_file_is_named()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var input = Path.Combine(tmp.Path, "absent.json");
        var result = Saex.Run("tokenize", "--tokenizer", FixturePaths.TinyModel, "--input", input, "--out", Path.Combine(tmp.Path, "o.json"));
        Saex.AssertRefused(result, input, "not found");
    }

    [Fact]
    public void Input_that_is_not_an_array_of_strings_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var input = Path.Combine(tmp.Path, "bad.json");
        File.WriteAllText(input, """{"text": "not an array"}""");
        var output = Path.Combine(tmp.Path, "o.json");
        var result = Saex.Run("tokenize", "--tokenizer", FixturePaths.TinyModel, "--input", input, "--out", output);
        Saex.AssertRefused(result, input, "array of strings");
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_missing_tokenizer_is_named()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var input = Path.Combine(tmp.Path, "s.json");
        File.WriteAllText(input, """["hi"]""");
        var result = Saex.Run("tokenize", "--tokenizer", tmp.Path, "--input", input, "--out", Path.Combine(tmp.Path, "o.json"));
        Saex.AssertRefused(result, tmp.Path);
    }

    [Fact]
    public void A_missing_required_option_fails_with_its_name()
    {
        var result = Saex.Run("tokenize", "--input", "x.json");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--tokenizer", result.StdErr);
    }
}
