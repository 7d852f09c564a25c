using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

/// <summary>An output path naming an input — directly, through a symlink or a hard link — is refused and the input stays byte-identical.</summary>
public sealed class OutputIsInputTests
{
    [Fact]
    public void Capture_into_a_shard_of_its_own_model_is_refused_and_the_model_is_untouched()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var model = tmp.Copy(FixturePaths.TinyModel, "model");
        var shard = Path.Combine(model, "model-00001-of-00003.safetensors");
        var before = File.ReadAllBytes(shard);
        var prompts = Path.Combine(tmp.Path, "p.jsonl");
        File.WriteAllText(prompts, "{\"id\": \"a\", \"text\": \"hello\"}\n");
        // The same shard by a symlink from elsewhere.
        var link = Path.Combine(tmp.Path, "looks-new.safetensors");
        File.CreateSymbolicLink(link, shard);
        foreach (var output in new[] { shard, link, Path.Combine(model, "..", "model", "model-00001-of-00003.safetensors") })
        {
            var result = Saex.Run("capture", "--model", model, "--prompts", prompts, "--layers", "1", "--out", output);
            Saex.AssertRefused(result, "--out", "is inside " + model, "would destroy that input");
        }
        Assert.Equal(before, File.ReadAllBytes(shard));
        Assert.False(File.Exists(shard + ".partial"));
    }

    [Fact]
    public void Encode_onto_its_own_activations_even_by_a_hard_link_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var acts = Path.Combine(tmp.Path, "acts.safetensors");
        File.Copy(FixturePaths.GoldenCapture, acts);
        var before = File.ReadAllBytes(acts);
        var hard = Path.Combine(tmp.Path, "other-name.safetensors");
        using (var ln = System.Diagnostics.Process.Start("ln", [acts, hard])!)
        {
            ln.WaitForExit();
            Assert.Equal(0, ln.ExitCode);
        }
        var sae = Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");
        foreach (var output in new[] { acts, hard })
        {
            var result = Saex.Run("encode", "--sae", sae, "--acts", acts, "--layer", "2", "--out", output);
            Saex.AssertRefused(result, $"--out {output} is {acts}, an input of this command");
        }
        Assert.Equal(before, File.ReadAllBytes(acts));
    }
}
