using System.Text.RegularExpressions;
using System.Diagnostics;
using System.Text.Json;
using SaeExplorer.Inference.Saes.Formats;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Cli.Tests;

public sealed class RunCommandTests
{
    private static string GoodfireSae => Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");

    private static string[] RunArgs(string store, string output, params string[] extra) =>
    [
        "run", "--model", FixturePaths.TinyModel, "--sae", GoodfireSae, "--layer", "2", "--store", store, "--out", output,
        .. extra.Contains("--batch-size") ? extra : ["--batch-size", "16", .. extra],
    ];

    [Fact]
    public void The_builtin_experiment_writes_every_artefact_and_a_rerun_reuses_the_store()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var store = Path.Combine(tmp.Path, "store.db");
        var output = Path.Combine(tmp.Path, "out");

        var first = Saex.Run(RunArgs(store, output));

        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains("300 prompts: 0 already in", first.StdErr);
        Assert.Contains("computed 300, reused 0", first.StdErr);
        Assert.Contains("fraction of variance explained", first.StdErr);

        var root = TorchCheckpointReader.Load(Path.Combine(output, "features_layer2.pt")) as Dictionary<object, object?>;
        try
        {
            var features = Assert.IsAssignableFrom<Tensor>(root!["features"]);
            Assert.Equal([300L, 256L], features.shape);
            var ids = Assert.IsType<List<object?>>(root["ids"]).Cast<string>().ToList();
            Assert.Equal(300, ids.Distinct().Count());
            Assert.Contains("novice/black-holes", ids);
            var counts = Assert.IsAssignableFrom<Tensor>(root["active_counts"]).data<long>().ToArray();
            var dense = features.data<float>().ToArray();
            for (int i = 0; i < 300; i++)
                Assert.Equal(counts[i], dense.Skip(i * 256).Take(256).Count(v => v != 0));
        }
        finally
        {
            TorchCheckpointReader.DisposeTensors(root);
        }

        var acts = TorchCheckpointReader.Load(Path.Combine(output, "activations_layer2.pt")) as Dictionary<object, object?>;
        try
        {
            Assert.Equal([300L, 32L], Assert.IsAssignableFrom<Tensor>(acts!["activations"]).shape);
            Assert.Equal(2L, acts["layer"]);
            Assert.Equal("last", acts["pooling"]);
        }
        finally
        {
            TorchCheckpointReader.DisposeTensors(acts);
        }

        using var diff = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "feature_diff.json")));
        Assert.Equal(6, diff.RootElement.GetProperty("conditions").EnumerateObject().Count());
        var contrast = diff.RootElement.GetProperty("contrasts")[0];
        Assert.Equal("novice", contrast.GetProperty("a").GetString());
        Assert.Equal("expert", contrast.GetProperty("b").GetString());

        var second = Saex.Run(RunArgs(store, output));
        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Contains("300 prompts: 300 already in", second.StdErr);
        Assert.Contains("computed 0, reused 300", second.StdErr);
        using var diff2 = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "feature_diff.json")));
        Assert.Equal(diff.RootElement.GetRawText(), diff2.RootElement.GetRawText());
    }

    [Fact]
    public void A_run_killed_midway_resumes_computing_only_what_was_missing()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var store = Path.Combine(tmp.Path, "store.db");
        var output = Path.Combine(tmp.Path, "out");

        // kill -9 the child as soon as it reports 30 stored prompts (progress lines come after each prompt is stored).
        var start = new ProcessStartInfo(Saex.ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in RunArgs(store, output, "--batch-size", "1"))
            start.ArgumentList.Add(arg);
        using (var child = Process.Start(start)!)
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            string? line;
            while ((line = child.StandardError.ReadLine()) is not null && !(line.StartsWith("capture ") && ReportedDone(line) >= 30))
                Assert.True(DateTime.UtcNow < deadline, "the child never reported 30 stored prompts");
            Assert.NotNull(line);
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(output, "feature_diff.json")));

        // Resumed at the batch size it was killed at: the batch size is part of the cache key, so another would
        // compute every prompt again (its last bits differ).
        var resumed = Saex.Run(RunArgs(store, output, "--batch-size", "1"));

        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        var stored = int.Parse(Regex.Match(resumed.StdErr, @"300 prompts: (\d+) already in").Groups[1].Value);
        Assert.InRange(stored, 30, 299);
        Assert.Contains($"computed {300 - stored}, reused {stored}", resumed.StdErr);
        Assert.True(File.Exists(Path.Combine(output, "feature_diff.json")));
    }

    private static int ReportedDone(string progressLine) => int.Parse(Regex.Match(progressLine, @" (\d+)/300 prompts").Groups[1].Value);

    [Fact]
    public void A_store_that_is_not_a_store_is_refused_clearly()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var notes = Path.Combine(tmp.Path, "notes.db");
        File.WriteAllText(notes, "these are my notes, not a database\n");
        var result = Saex.Run(RunArgs(notes, Path.Combine(tmp.Path, "out")));
        Saex.AssertRefused(result, notes);
        Assert.Equal("these are my notes, not a database\n", File.ReadAllText(notes));
    }

    [Fact]
    public void A_preset_checks_the_sae_file_before_any_compute()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        // A model directory that claims Llama-3.3-70B's shape passes the model check; the tiny SAE must then be refused.
        var model = tmp.Copy(FixturePaths.TinyModel, "claims-70b");
        var config = Path.Combine(model, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"hidden_size\": 32", "\"hidden_size\": 8192").Replace("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 80"));
        var result = Saex.Run("run", "--model", model, "--sae", GoodfireSae, "--preset", "llama-3.3-70b-l50",
            "--store", Path.Combine(tmp.Path, "s.db"), "--out", Path.Combine(tmp.Path, "out"));
        Saex.AssertRefused(result, "Goodfire/Llama-3.3-70B-Instruct-SAE-l50", "32 → 256", "8192 → 65536");
        Assert.False(File.Exists(Path.Combine(tmp.Path, "s.db")));
    }

    [Theory]
    [InlineData("--pool", "median", "median")]
    [InlineData("--contrast", "novice:wizard", "wizard")]
    [InlineData("--preset", "llama-3.3-70b-l50", "hidden size 32")]
    public void Bad_run_options_are_refused_with_a_reason(string option, string value, string fragment)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var result = Saex.Run(RunArgs(Path.Combine(tmp.Path, "s.db"), Path.Combine(tmp.Path, "out"), option, value));
        Saex.AssertRefused(result, fragment);
    }
}
