using System.Diagnostics;
using System.Text.Json;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

public sealed class GenerateCommandTests
{
    private static readonly JsonElement GenerationGolden = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(FixturePaths.Fixtures, "generation-golden", "tiny-llama3_generation_golden.json"))).RootElement;

    private static readonly string GoodfireSae = Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");

    private static string WriteGoldenPrompts(string dir)
    {
        var path = Path.Combine(dir, "prompts.jsonl");
        var prompts = JsonDocument.Parse(File.ReadAllText(FixturePaths.GoldenCaptureJson)).RootElement.GetProperty("prompts").EnumerateArray();
        File.WriteAllLines(path, prompts.Select(p => JsonSerializer.Serialize(new { id = $"p{p.GetProperty("index").GetInt32()}", messages = p.GetProperty("messages") })));
        return path;
    }

    private static JsonElement[] ReadLines(string path) => [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public void Steered_answers_equal_transformers_generate_and_carry_the_contract_fields()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var c = GenerationGolden.GetProperty("cases").EnumerateArray().First(x => x.GetProperty("kind").GetString() == "add");
        int feature = c.GetProperty("feature").GetInt32();
        var value = c.GetProperty("value").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var output = Path.Combine(tmp.Path, "answers.jsonl");

        var result = Saex.Run("generate", "--model", FixturePaths.TinyModel, "--prompts", WriteGoldenPrompts(tmp.Path), "--out", output,
            "--sae", GoodfireSae, "--layer", "2", "--add", $"{feature}:{value}", "--max-new-tokens", "24", "--batch-size", "4");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = ReadLines(output);
        Assert.Equal(10, lines.Length);
        var expected = c.GetProperty("prompts").EnumerateArray().ToDictionary(p => $"p{p.GetProperty("index").GetInt32()}", p => p.GetProperty("new_ids"));
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            Assert.Equal(["id", "text", "token_ids", "finish_reason", "prompt_tokens", "answer_tokens", "interventions", "decoding", "seed", "seconds"],
                line.EnumerateObject().Select(p => p.Name));
            Assert.Equal($"p{i}", line.GetProperty("id").GetString());
            var ids = line.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(expected[$"p{i}"].EnumerateArray().Select(e => e.GetInt32()), ids);
            Assert.Equal(ids.Length, line.GetProperty("answer_tokens").GetInt32());
            Assert.Equal(ids[^1] is 128001 or 128008 or 128009 ? "eos" : "length", line.GetProperty("finish_reason").GetString());
            var intervention = Assert.Single(line.GetProperty("interventions").EnumerateArray());
            Assert.Equal("add", intervention.GetProperty("kind").GetString());
            Assert.Equal(feature, intervention.GetProperty("feature").GetInt32());
            Assert.Equal("all", intervention.GetProperty("scope").GetString());
            Assert.Equal("greedy", line.GetProperty("decoding").GetProperty("strategy").GetString());
        }
    }

    [Fact]
    public void Killed_with_sigkill_it_resumes_with_the_missing_prompts_only_and_ends_with_the_uninterrupted_file()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string[] Args(string store, string output) => ["generate", "--model", FixturePaths.TinyModel, "--prompt-set", "builtin", "--out", output,
            "--store", store, "--sae", GoodfireSae, "--layer", "2", "--clamp", "5:2", "--max-new-tokens", "16", "--batch-size", "10",
            "--temperature", "0.8", "--top-p", "0.9", "--seed", "11"];
        var interrupted = Path.Combine(tmp.Path, "interrupted.jsonl");
        var store = Path.Combine(tmp.Path, "store.db");

        // Kill once a tenth of the prompts are stored (the progress line says so), well before the end.
        var start = new ProcessStartInfo(Saex.ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in Args(store, interrupted))
            start.ArgumentList.Add(arg);
        using (var process = Process.Start(start)!)
        {
            string? line;
            while ((line = process.StandardError.ReadLine()) is not null)
            {
                if (line.StartsWith("generate [") && !line.Contains(" 0/300"))
                {
                    process.Kill(entireProcessTree: true);
                    break;
                }
            }
            process.WaitForExit();
            Assert.NotEqual(0, process.ExitCode);
        }
        Assert.False(File.Exists(interrupted), "a killed run must not leave an answers file");
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.partial"));

        var resumed = Saex.Run(Args(store, interrupted));
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        var counts = System.Text.RegularExpressions.Regex.Match(resumed.StdErr, @"300 prompts: (\d+) answered in .*?, (\d+) to generate");
        Assert.True(counts.Success, resumed.StdErr);
        int answered = int.Parse(counts.Groups[1].Value), toGenerate = int.Parse(counts.Groups[2].Value);
        Assert.InRange(answered, 10, 290);
        Assert.Equal(300, answered + toGenerate);

        var whole = Path.Combine(tmp.Path, "whole.jsonl");
        var uninterrupted = Saex.Run(Args(Path.Combine(tmp.Path, "other.db"), whole));
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.StdErr);
        var a = ReadLines(interrupted);
        var b = ReadLines(whole);
        Assert.Equal(300, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            // Everything but the wall time.
            foreach (var name in new[] { "id", "text", "token_ids", "finish_reason", "prompt_tokens", "answer_tokens", "interventions", "decoding", "seed" })
                Assert.Equal(b[i].GetProperty(name).GetRawText(), a[i].GetProperty(name).GetRawText());
        }
    }

    [Theory]
    [InlineData("feature 256 is outside the SAE's 0..255", "--sae", "SAE", "--layer", "2", "--add", "256:1")]
    [InlineData("give the SAE with --sae", "--ablate", "3")]
    [InlineData("--max-new-tokens must be at least 1", "--max-new-tokens", "0")]
    [InlineData("the value must be a finite number", "--sae", "SAE", "--layer", "2", "--clamp", "3:NaN")]
    [InlineData("expected F:V", "--sae", "SAE", "--layer", "2", "--add", "3")]
    [InlineData("--top-p must be in (0, 1]", "--top-p", "1.5")]
    [InlineData("--intervene-on 'prompt' is not one of all, generated", "--intervene-on", "prompt")]
    [InlineData("does not fit the model's context of 131072", "--max-new-tokens", "131070")]
    public void Bad_input_is_one_error_line_and_no_output_file(string message, params string[] extra)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var output = Path.Combine(tmp.Path, "answers.jsonl");
        string[] args = ["generate", "--model", FixturePaths.TinyModel, "--prompts", WriteGoldenPrompts(tmp.Path), "--out", output,
            .. extra.Select(e => e == "SAE" ? GoodfireSae : e)];
        Saex.AssertRefused(Saex.Run(args), message);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_unknown_option_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var output = Path.Combine(tmp.Path, "answers.jsonl");
        var result = Saex.Run("generate", "--model", FixturePaths.TinyModel, "--prompts", WriteGoldenPrompts(tmp.Path), "--out", output, "--steer", "3:1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--steer", result.StdErr);
        Assert.False(File.Exists(output));
    }
}

public sealed class RunGenerateTests
{
    [Fact]
    public void Run_with_generate_writes_the_answers_and_their_counts_and_agrees_with_saex_generate()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var sae = Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");
        var store = Path.Combine(tmp.Path, "store.db");
        var output = Path.Combine(tmp.Path, "out");
        string[] args = ["run", "--model", FixturePaths.TinyModel, "--sae", sae, "--layer", "2", "--store", store, "--out", output,
            "--batch-size", "32", "--generate", "--max-new-tokens", "8"];

        var first = Saex.Run(args);
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains("answers: 0 in", first.StdErr);
        var lines = File.ReadAllLines(Path.Combine(output, "answers.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(300, lines.Length);
        Assert.Equal("standard/how-vaccines-work", lines[0].GetProperty("id").GetString());
        Assert.All(lines, l => Assert.InRange(l.GetProperty("answer_tokens").GetInt32(), 1, 8));

        using var diff = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "feature_diff.json")));
        var answers = diff.RootElement.GetProperty("answers");
        Assert.Equal(["standard", "padding", "spaces", "novice", "expert", "guru"], answers.EnumerateObject().Select(c => c.Name));
        foreach (var condition in answers.EnumerateObject())
        {
            Assert.Equal(50, condition.Value.GetProperty("answers").GetInt32());
            var tokens = lines.Where(l => l.GetProperty("id").GetString()!.StartsWith(condition.Name + "/")).Average(l => l.GetProperty("answer_tokens").GetInt32());
            Assert.Equal(tokens, condition.Value.GetProperty("mean_answer_tokens").GetDouble(), 9);
            Assert.InRange(condition.Value.GetProperty("mean_active_count").GetDouble(), 1, 256);
        }

        // saex generate with the same model, SAE and decoding gives the same answers from the same store, computing none.
        var generated = Path.Combine(tmp.Path, "answers.jsonl");
        var again = Saex.Run("generate", "--model", FixturePaths.TinyModel, "--prompt-set", "builtin", "--sae", sae, "--layer", "2",
            "--max-new-tokens", "8", "--store", store, "--out", generated);
        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Contains("300 prompts: 300 answered", again.StdErr);
        var other = File.ReadAllLines(generated).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(lines.Select(l => l.GetProperty("token_ids").GetRawText()), other.Select(l => l.GetProperty("token_ids").GetRawText()));
    }
}
