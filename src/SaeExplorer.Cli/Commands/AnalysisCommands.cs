using System.CommandLine;
using System.Text.Json;
using SaeExplorer.Cli.Json;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Analysis.Tables;
using SaeExplorer.Core.Umap;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// The analysis of a run (seed steps 3–6): <c>saex analyze</c>, <c>saex umap</c>, <c>saex figures</c>,
/// <c>saex diff</c>. Each takes the same experiment options as <c>saex run</c>; the run's features come from the store
/// (computed only if missing), so the commands are fast after a run and cannot disagree with it.
/// </summary>
internal static class AnalysisCommands
{
    private const int TopFeatures = 20;

    public static IEnumerable<Command> Create()
    {
        yield return Make("analyze", "Contrast statistics (Fisher, Mann–Whitney, paired tests, BH FDR), feature distributions and token contexts.", Analyze);
        yield return Make("umap", "UMAP of pooled raw activations and of SAE features, with separation metrics and figures.", Umap);
        yield return Make("figures", "Publication figures: condition comparison and per-feature condition histograms (PNG 300 dpi + SVG).", Figures);

        var options = new ExperimentOptions("saex-analysis");
        var a = new Option<string>("--prompt-a") { Description = "prompt id from the prompt set (e.g. novice/black-holes)", Required = true };
        var b = new Option<string>("--prompt-b") { Description = "prompt id from the prompt set", Required = true };
        var diff = new Command("diff", "Token-by-token feature diff of two prompts (aligned within chat-template segments).") { a, b };
        options.AddTo(diff);
        diff.SetAction(r => CliRunner.Run("diff", () => Diff(options.Resolve(r), r.GetValue(a)!, r.GetValue(b)!)));
        yield return diff;
    }

    private static Command Make(string name, string description, Func<ExperimentSetup, int> body)
    {
        var options = new ExperimentOptions("saex-analysis");
        var command = new Command(name, description);
        options.AddTo(command);
        command.SetAction(r => CliRunner.Run(name, () => body(options.Resolve(r))));
        return command;
    }

    private static List<PooledPrompt> Pooled(ExperimentResult result) => RunViews.Pooled(result);

    private static string Write(string directory, string name, string content)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, content);
        Console.Error.WriteLine($"wrote {path}");
        return path;
    }

    private static string Slug(Contrast c) => $"{c.A}_vs_{c.BName}";

    private static int Analyze(ExperimentSetup setup)
    {
        var result = ExperimentOptions.Load(setup);
        var pooled = Pooled(result);
        Write(setup.Out, "feature_diff.json", FeatureDiff.ToJson(result.Report));

        var top = new List<int>();
        foreach (var contrast in setup.Request.Contrasts)
        {
            var report = ContrastStatistics.Compute(pooled, contrast);
            Write(setup.Out, $"contrast_{Slug(contrast)}.json", ContrastStatistics.ToJson(report));
            Write(setup.Out, $"contrast_{Slug(contrast)}.csv", ContrastTables.ToCsv(report));
            Write(setup.Out, $"contrast_{Slug(contrast)}.tex", ContrastTables.ToLatex(report, TopFeatures,
                caption: $"SAE latents that differ between {contrast.A} and {contrast.BName} prompts", label: $"tab:{Slug(contrast)}"));
            top.AddRange(report.Features.Take(TopFeatures).Select(f => f.Feature));
            var separated = report.Features.Count(f => f.PresenceSeparation != SeparatedSide.None);
            Console.Error.WriteLine($"{contrast.A} vs {contrast.BName}: {report.TestedCount} latents tested, " +
                $"{report.Features.Count(f => f.FisherQ < 0.05)} with presence q < 0.05, {separated} separating perfectly");
        }
        var features = top.Distinct().ToList();
        Write(setup.Out, "autointerp_results.json", FeatureDistributions.ToJson(FeatureDistributions.Compute(pooled, features)));
        var tokenizer = Llama3Tokenizer.Load(setup.Request.Model.Directory);
        Write(setup.Out, "feature_context.json", TokenContexts.ToJson(TokenContexts.ForFeatures(Tokenized(tokenizer, result), features)));
        WriteTable(setup.Out, "condition_counts", ConditionCounts(pooled, setup.Request.PromptSet.Conditions.Select(c => c.Name)));
        WritePromotedTokens(setup, tokenizer, features);
        return 0;
    }

    /// <summary>promoted_tokens.json when the checkpoint has an unembedding (lm_head or tied embeddings).</summary>
    private static void WritePromotedTokens(ExperimentSetup setup, Llama3Tokenizer tokenizer, IReadOnlyList<int> features)
    {
        var request = setup.Request;
        var config = Inference.Models.Llama.LlamaConfig.Load(Path.Combine(request.Model.Directory, "config.json"));
        using (var dir = Inference.Loading.ModelDirectory.Open(request.Model.Directory))
        {
            if (!dir.Contains("lm_head.weight") && !config.TieWordEmbeddings)
            {
                Console.Error.WriteLine("no lm_head in the checkpoint: promoted_tokens.json skipped");
                return;
            }
        }
        var target = Inference.Runtime.ComputeTarget.From(request.Device, request.DType);
        using var sae = Inference.Saes.SaeFormats.Load(request.Sae, target.DType, target.Device);
        var results = Inference.Saes.PromotedTokens.Compute(sae, request.Model.Directory, features);
        TokenLogitJson Token(Inference.Saes.TokenLogit t) => new(t.TokenId, tokenizer.Decode([t.TokenId]), t.Logit);
        var json = results.Select(r => new PromotedTokensJson(r.Feature, r.Promoted.Select(Token).ToList(), r.Suppressed.Select(Token).ToList())).ToList();
        Write(setup.Out, "promoted_tokens.json", JsonSerializer.Serialize(json, CliJsonContext.Default.IReadOnlyListPromotedTokensJson));
    }

    private static List<TokenizedPrompt> Tokenized(Llama3Tokenizer tokenizer, ExperimentResult result) => RunViews.Tokenized(result, id => tokenizer.Decode([id]));

    private static Table ConditionCounts(IReadOnlyList<PooledPrompt> pooled, IEnumerable<string> order) =>
        AnalysisTables.ConditionCounts(ConditionActivities.Compute(pooled, order));

    private static void WriteTable(string directory, string stem, Table table)
    {
        Write(directory, stem + ".csv", TableExporter.ToCsv(table));
        Write(directory, stem + ".json", TableExporter.ToJson(table));
        Write(directory, stem + ".tex", TableExporter.ToLatex(table));
    }

    private static int Umap(ExperimentSetup setup)
    {
        var result = ExperimentOptions.Load(setup);
        var conditions = result.Prompts.Select(p => p.Prompt.Condition).ToList();
        var maps = ConditionEmbeddingsBuilder.Compute(result.Prompts.Select(p => p.PooledActivations).ToList(),
            result.Prompts.Select(p => p.PooledFeatures).ToList(), conditions);
        if (maps.SmallRunNote is { } note)
            Console.Error.WriteLine($"note: {note}");
        var exporter = new FigureExporter();
        var metrics = new OrderedDictionary<string, UmapMetricsJson>(StringComparer.Ordinal);
        foreach (var (map, title) in new[] { (maps.Activations, "UMAP of raw activations"), (maps.Features, "UMAP of SAE features") })
        {
            metrics.Add(map.Name, new UmapMetricsJson(
                map.Metric.ToString().ToLowerInvariant(), map.SilhouetteOriginal, map.KnnAccuracyOriginal,
                map.Quality.Silhouette, map.Quality.KnnAccuracy, map.Quality.Trustworthiness, map.Quality.KnnPreservation, map.K, map.TrustworthinessK));
            var figure = new ConditionScatterFigure($"{title} (layer {setup.Request.Layer})", map.Embedding.Select((e, i) => new ScatterPoint(e[0], e[1], conditions[i])).ToList());
            foreach (var file in exporter.SavePngAndSvg(figure, Path.Combine(setup.Out, $"umap_{map.Name}"), FigureSize.DoubleColumn))
                Console.Error.WriteLine($"wrote {file}");
        }
        static float[][] Points(ConditionEmbedding map) => map.Embedding.Select(e => new[] { e[0], e[1] }).ToArray();
        var embeddings = new UmapEmbeddingJson(result.Prompts.Select(p => p.Prompt.Id).ToList(), conditions, Points(maps.Activations), Points(maps.Features));
        Write(setup.Out, "umap_metrics.json", JsonSerializer.Serialize(metrics, CliJsonContext.Default.OrderedDictionaryStringUmapMetricsJson));
        Write(setup.Out, "umap_embedding.json", JsonSerializer.Serialize(embeddings, CliJsonContext.Default.UmapEmbeddingJson));
        return 0;
    }

    private static int Figures(ExperimentSetup setup)
    {
        var result = ExperimentOptions.Load(setup);
        var pooled = Pooled(result);
        var order = setup.Request.PromptSet.Conditions.Select(c => c.Name).ToList();
        var exporter = new FigureExporter();
        var estimates = ConditionActivities.Compute(pooled, order)
            .Select(c => new ConditionEstimate(c.Condition, c.ActiveCount.Estimate, c.ActiveCount.Lower, c.ActiveCount.Upper)).ToList();
        var saved = exporter.SavePngAndSvg(new ConditionComparisonFigure("Active SAE features per prompt", estimates),
            Path.Combine(setup.Out, "condition_comparison"), FigureSize.SingleColumn).ToList();

        var first = setup.Request.Contrasts.FirstOrDefault() ?? throw new ArgumentException("give a --contrast to pick the features to plot.");
        var report = ContrastStatistics.Compute(pooled, first);
        foreach (var feature in report.Features.Take(5).Select(f => f.Feature))
        {
            var values = order.Select(c => new ConditionValues(c, pooled.Where(p => p.Condition == c)
                .Select(p => { int at = Array.BinarySearch(p.Features.Indices, feature); return at >= 0 ? (double)p.Features.Values[at] : 0.0; }).ToList()))
                .Where(v => v.Values.Count > 0).ToList();
            saved.AddRange(exporter.SavePngAndSvg(new FeatureActivationFigure($"Feature {feature} ({first.A} vs {first.BName})", values),
                Path.Combine(setup.Out, $"feature_{feature}"), FigureSize.DoubleColumn));
        }
        foreach (var file in saved)
            Console.Error.WriteLine($"wrote {file}");
        return 0;
    }

    private static int Diff(ExperimentSetup setup, string idA, string idB)
    {
        var result = ExperimentOptions.Load(setup);
        var tokenizer = Llama3Tokenizer.Load(setup.Request.Model.Directory);
        IReadOnlyList<string> Decode(IReadOnlyList<int> ids) => ids.Select(id => tokenizer.Decode([id])).ToList();
        var diff = PromptDiff.Compare(RunViews.ForDiff(RunViews.Find(result, idA), Decode), RunViews.ForDiff(RunViews.Find(result, idB), Decode));
        Write(setup.Out, "diff.json", JsonSerializer.Serialize(diff, CliJsonContext.Default.PromptDiffResult));
        int gained = diff.Entries.Sum(e => e.Gained.Count), lost = diff.Entries.Sum(e => e.Lost.Count);
        Console.Error.WriteLine($"{idA} vs {idB}: {diff.AlignedCount} tokens aligned, {diff.Entries.Count(e => e.Kind == TokenDiffKind.Deleted)} only in A, " +
            $"{diff.Entries.Count(e => e.Kind == TokenDiffKind.Inserted)} only in B; on aligned tokens {gained} features gained, {lost} lost");
        return 0;
    }
}
