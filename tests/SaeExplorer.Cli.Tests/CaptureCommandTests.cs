using System.Text.Json;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

public sealed class CaptureCommandTests
{
    private static readonly JsonElement[] GoldenPrompts = JsonDocument.Parse(File.ReadAllText(FixturePaths.GoldenCaptureJson))
        .RootElement.GetProperty("prompts").EnumerateArray().ToArray();

    private static string WritePrompts(string dir, IEnumerable<object> lines)
    {
        var path = Path.Combine(dir, "prompts.jsonl");
        File.WriteAllLines(path, lines.Select(l => JsonSerializer.Serialize(l)));
        return path;
    }

    private static IEnumerable<object> GoldenChatLines() => GoldenPrompts.Select(p => (object)new
    {
        id = $"p{p.GetProperty("index").GetInt32()}",
        messages = p.GetProperty("messages"),
    });

    [Fact]
    public void Capture_writes_the_contract_tensors_and_matches_transformers()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var prompts = WritePrompts(tmp.Path, GoldenChatLines().Append(new { id = "raw-hello", text = "Hello world" }));
        var output = Path.Combine(tmp.Path, "acts.safetensors");

        var result = Saex.Run("capture", "--model", FixturePaths.TinyModel, "--prompts", prompts, "--layers", "3,1",
            "--out", output, "--batch-size", "4");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("11/11 prompts", result.StdErr);
        using var file = SafetensorsFile.Open(output);
        Assert.Equal(11 * 3, file.Entries.Count);
        foreach (var p in GoldenPrompts)
        {
            var id = $"p{p.GetProperty("index").GetInt32()}";
            var expectedIds = p.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            Assert.Equal("I64", file[$"{id}.input_ids"].DType);
            using (var ids = file.ReadTensor($"{id}.input_ids"))
                Assert.Equal(expectedIds, ids.data<long>().ToArray());
            foreach (var layer in new[] { 1, 3 })
            {
                var entry = file[$"{id}.resid_post.{layer}"];
                Assert.Equal("F32", entry.DType);
                Assert.Equal([expectedIds.Length, 32L], entry.Shape);
                var diff = Golden.MaxAbsDiff(Golden.Floats(file, entry.Name), Golden.Capture($"{id}.resid_post.{layer}"));
                Assert.True(diff <= 1e-4, $"{id} layer {layer}: {diff:E2}");
            }
            Assert.False(file.Contains($"{id}.resid_post.2"));
        }
        // Raw text gets a BOS in front, as transformers' tokenizer(text) does.
        using var rawIds = file.ReadTensor("raw-hello.input_ids");
        Assert.Equal([128000L, 9906, 1917], rawIds.data<long>().ToArray());
        Assert.Equal("1,3", file.Metadata["layers"]);
    }

    [Fact]
    public void Bfloat16_capture_runs_and_stays_close_to_float32()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var prompts = WritePrompts(tmp.Path, GoldenChatLines().Take(3));
        var output = Path.Combine(tmp.Path, "bf16.safetensors");

        var result = Saex.Run("capture", "--model", FixturePaths.TinyModel, "--prompts", prompts, "--layers", "2",
            "--out", output, "--dtype", "bfloat16");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var file = SafetensorsFile.Open(output);
        Assert.Equal("bfloat16", file.Metadata["dtype"]);
        var ours = Golden.Floats(file, "p0.resid_post.2");
        var reference = Golden.Capture("p0.resid_post.2");
        double rel = Golden.MaxAbsDiff(ours, reference) / Golden.MaxAbs(reference);
        Assert.InRange(rel, 1e-6, 1.5e-2);
    }

    [Fact]
    public void An_empty_prompt_is_refused_naming_its_id()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var prompts = WritePrompts(tmp.Path, [new { id = "ok", text = "fine" }, new { id = "blank", messages = new[] { new { role = "user", content = "   " } } }]);
        var output = Path.Combine(tmp.Path, "o.safetensors");
        var result = Saex.Run("capture", "--model", FixturePaths.TinyModel, "--prompts", prompts, "--layers", "1", "--out", output);
        Saex.AssertRefused(result, "blank", "empty");
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(output + ".partial"));
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_refused_with_both_numbers()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var model = tmp.Copy(FixturePaths.TinyModel, "short-context");
        var config = Path.Combine(model, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"max_position_embeddings\": 131072", "\"max_position_embeddings\": 16"));
        var prompts = WritePrompts(tmp.Path, [new { id = "long", messages = new[] { new { role = "user", content = "Explain how vaccines work." } } }]);
        var result = Saex.Run("capture", "--model", model, "--prompts", prompts, "--layers", "0", "--out", Path.Combine(tmp.Path, "o.safetensors"));
        Saex.AssertRefused(result, "long", "41", "16");
    }

    [Fact]
    public void A_bad_jsonl_line_is_reported_with_file_and_line()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var prompts = Path.Combine(tmp.Path, "bad.jsonl");
        File.WriteAllText(prompts, "{\"id\": \"a\", \"text\": \"fine\"}\n{\"id\": \"b\", \"text\": \n");
        var result = Saex.Run("capture", "--model", FixturePaths.TinyModel, "--prompts", prompts, "--layers", "0", "--out", Path.Combine(tmp.Path, "o.safetensors"));
        Saex.AssertRefused(result, $"{prompts}:2");
    }

    [Theory]
    [InlineData("--layers", "4", "layer 4 does not exist")]
    [InlineData("--layers", "1,x", "'x'")]
    [InlineData("--dtype", "float8", "float8")]
    [InlineData("--device", "cuda", "CUDA is not available")]
    [InlineData("--chat-format", "chatml", "chatml")]
    [InlineData("--batch-size", "0", "--batch-size")]
    [InlineData("--gpus", "2", "needs --device cuda")]
    public void Bad_options_are_refused_with_a_reason(string option, string value, string fragment)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var prompts = WritePrompts(tmp.Path, [new { id = "a", text = "fine" }]);
        var args = new List<string> { "capture", "--model", FixturePaths.TinyModel, "--prompts", prompts, "--out", Path.Combine(tmp.Path, "o.safetensors") };
        if (option != "--layers")
            args.AddRange(["--layers", "1"]);
        args.AddRange([option, value]);
        Saex.AssertRefused(Saex.Run([.. args]), fragment);
    }

    [Fact]
    public void A_missing_model_directory_and_a_corrupt_shard_are_named()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var prompts = WritePrompts(tmp.Path, [new { id = "a", text = "fine" }]);
        var missing = Path.Combine(tmp.Path, "no-model");
        Saex.AssertRefused(Saex.Run("capture", "--model", missing, "--prompts", prompts, "--layers", "0", "--out", Path.Combine(tmp.Path, "o.safetensors")), missing);

        var model = tmp.Copy(FixturePaths.TinyModel, "corrupt");
        var shard = Path.Combine(model, "model-00001-of-00003.safetensors");
        var bytes = File.ReadAllBytes(shard);
        bytes[8] = (byte)'#';
        File.WriteAllBytes(shard, bytes);
        Saex.AssertRefused(Saex.Run("capture", "--model", model, "--prompts", prompts, "--layers", "0", "--out", Path.Combine(tmp.Path, "o.safetensors")),
            shard, "corrupt header");
    }

    [Fact]
    public void Capture_from_a_copy_without_the_lm_head_shard_succeeds()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var model = tmp.Copy(FixturePaths.TinyModel, "no-head");
        File.Delete(Path.Combine(model, "model-00002-of-00003.safetensors"));
        var prompts = WritePrompts(tmp.Path, GoldenChatLines().Take(2));
        var output = Path.Combine(tmp.Path, "o.safetensors");
        var result = Saex.Run("capture", "--model", model, "--prompts", prompts, "--layers", "3", "--out", output);
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var file = SafetensorsFile.Open(output);
        Assert.True(Golden.MaxAbsDiff(Golden.Floats(file, "p1.resid_post.3"), Golden.Capture("p1.resid_post.3")) <= 1e-4);
    }
}
