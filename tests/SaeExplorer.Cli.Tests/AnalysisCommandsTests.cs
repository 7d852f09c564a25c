using System.Text.Json;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

/// <summary>One stored run of the built-in experiment on the tiny model, shared by the analysis command tests.</summary>
public sealed class StoredRun : IDisposable
{
    private readonly TempDirectory _tmp = FixturePaths.NewTempDirectory();

    public StoredRun()
    {
        var result = Saex.Run(["run", .. Experiment, "--out", Path.Combine(_tmp.Path, "run")]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException(result.StdErr);
    }

    public string Store => Path.Combine(_tmp.Path, "store.db");

    public string[] Experiment =>
    [
        "--model", FixturePaths.TinyModel, "--sae", Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), "--layer", "2",
        "--store", Store, "--batch-size", "32",
    ];

    public string NewOut(string name) => Path.Combine(_tmp.Path, name);

    public void Dispose() => _tmp.Dispose();
}

public sealed class AnalysisCommandsTests(StoredRun run) : IClassFixture<StoredRun>
{
    private Saex.Result Run(string command, string output, params string[] extra) =>
        Saex.Run([command, .. run.Experiment, "--out", output, .. extra]);

    [Fact]
    public void Analyze_writes_consistent_statistics_tables_and_contexts_from_the_store()
    {
        var output = run.NewOut("analyze");
        var result = Run("analyze", output);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.DoesNotContain("computed", result.StdErr);

        using var stats = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "contrast_novice_vs_expert.json")));
        var csv = File.ReadAllLines(Path.Combine(output, "contrast_novice_vs_expert.csv"));
        int tested = stats.RootElement.GetProperty("tested_count").GetInt32();
        Assert.Equal(tested + 1, csv.Length);
        Assert.True(tested > 0);
        foreach (var feature in stats.RootElement.GetProperty("features").EnumerateArray())
            Assert.True(feature.GetProperty("fisher_q").GetDouble() >= feature.GetProperty("fisher_p").GetDouble() - 1e-12);
        Assert.Contains("\\toprule", File.ReadAllText(Path.Combine(output, "contrast_novice_vs_expert.tex")));

        // The condition table's means are the ones feature_diff.json reports.
        using var diff = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "feature_diff.json")));
        using var counts = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "condition_counts.json")));
        foreach (var row in counts.RootElement.EnumerateArray())
        {
            var condition = row.GetProperty("condition").GetString()!;
            Assert.Equal(diff.RootElement.GetProperty("conditions").GetProperty(condition).GetProperty("mean_active_count").GetDouble(),
                row.GetProperty("mean_active").GetDouble(), 9);
            Assert.Equal(50, row.GetProperty("prompts").GetInt32());
            Assert.InRange(row.GetProperty("mean_active").GetDouble(), row.GetProperty("ci95_low").GetDouble(), row.GetProperty("ci95_high").GetDouble());
        }
        Assert.True(new FileInfo(Path.Combine(output, "autointerp_results.json")).Length > 100);
        using var contexts = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "feature_context.json")));
        Assert.Contains("[[", contexts.RootElement.GetRawText());
        using var promoted = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "promoted_tokens.json")));
        var first = promoted.RootElement[0];
        var up = first.GetProperty("promoted").EnumerateArray().Select(t => t.GetProperty("logit").GetDouble()).ToList();
        var down = first.GetProperty("suppressed").EnumerateArray().Select(t => t.GetProperty("logit").GetDouble()).ToList();
        Assert.Equal(10, up.Count);
        Assert.Equal(up.OrderByDescending(x => x), up);
        Assert.True(up[^1] > down[^1]);
    }

    [Fact]
    public void Umap_writes_both_maps_at_300_dpi_and_metrics_in_range()
    {
        var output = run.NewOut("umap");
        var result = Run("umap", output);
        Assert.True(result.ExitCode == 0, result.StdErr);
        foreach (var name in new[] { "umap_activations", "umap_features" })
        {
            var png = File.ReadAllBytes(Path.Combine(output, name + ".png"));
            Assert.Equal(7 * 300, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(output, name + ".svg")));
        }
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "umap_metrics.json")));
        foreach (var view in new[] { "activations", "features" })
        {
            var m = metrics.RootElement.GetProperty(view);
            Assert.InRange(m.GetProperty("trustworthiness").GetDouble(), 0.5, 1.0);
            Assert.InRange(m.GetProperty("knn_accuracy_embedding").GetDouble(), 0.0, 1.0);
            Assert.InRange(m.GetProperty("silhouette_original").GetDouble(), -1.0, 1.0);
        }
        using var embedding = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "umap_embedding.json")));
        Assert.Equal(300, embedding.RootElement.GetProperty("features").GetArrayLength());
    }

    [Fact]
    public void Figures_writes_the_comparison_and_feature_histograms()
    {
        var output = run.NewOut("figures");
        var result = Run("figures", output);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.True(File.Exists(Path.Combine(output, "condition_comparison.png")));
        Assert.True(File.Exists(Path.Combine(output, "condition_comparison.svg")));
        Assert.Equal(5, Directory.GetFiles(output, "feature_*.png").Length);
    }

    [Fact]
    public void A_prompt_diffed_with_itself_aligns_everything_and_changes_nothing()
    {
        var output = run.NewOut("diff-self");
        var result = Run("diff", output, "--prompt-a", "novice/black-holes", "--prompt-b", "novice/black-holes");
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var diff = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "diff.json")));
        var entries = diff.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.All(entries, e => Assert.Equal("aligned", e.GetProperty("kind").GetString()));
        Assert.All(entries, e => Assert.Equal(0, e.GetProperty("gained").GetArrayLength() + e.GetProperty("lost").GetArrayLength()));
    }

    [Fact]
    public void Novice_and_expert_differ_only_inside_the_user_message()
    {
        var output = run.NewOut("diff");
        var result = Run("diff", output, "--prompt-a", "novice/black-holes", "--prompt-b", "expert/black-holes");
        Assert.True(result.ExitCode == 0, result.StdErr);
        using var diff = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "diff.json")));
        var entries = diff.RootElement.GetProperty("entries").EnumerateArray().ToList();
        var unaligned = entries.Where(e => e.GetProperty("kind").GetString() != "aligned").ToList();
        Assert.NotEmpty(unaligned);
        Assert.All(unaligned, e => Assert.Equal("user", e.GetProperty("segment").GetString()));
        // Causal attention: the shared prefix up to the first differing token has identical features.
        var prefix = entries.TakeWhile(e => e.GetProperty("kind").GetString() == "aligned").ToList();
        Assert.True(prefix.Count > 30);
        Assert.All(prefix, e => Assert.Equal(0, e.GetProperty("gained").GetArrayLength() + e.GetProperty("lost").GetArrayLength()));
    }

    [Fact]
    public void An_unknown_prompt_id_is_refused_with_examples()
    {
        var result = Run("diff", run.NewOut("bad"), "--prompt-a", "novice/unicorns", "--prompt-b", "expert/black-holes");
        Saex.AssertRefused(result, "novice/unicorns", "standard/");
    }
}
