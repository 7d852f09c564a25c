using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Bench;
using SaeExplorer.Core.Umap;

// Compares SaeExplorer's UMAP with umap-js on the same generated data: wall time, trustworthiness (k = 15), kNN
// preservation, kNN accuracy and silhouette of the known clusters in the embedding.
//
// dotnet run -c Release --project bench/SaeExplorer.Bench -- [--out bench/results] [--machine NAME] [--date YYYY-MM-DD]
//     [--only sae,gaussian,large,run] [--skip-umap-js] [--umap-js bench/umap-js] [--run-dir saex-out --layer 2]
//
// --run-dir adds the pooled SAE features (sparse, cosine) and raw activations (dense, Euclidean) of a `saex run`
// (its features_layer{L}.pt and activations_layer{L}.pt), labelled by condition.

var arguments = ParseArguments(args);
string outDir = arguments.GetValueOrDefault("out", "bench/results");
string machine = arguments.GetValueOrDefault("machine", "devbox-2core");
string date = arguments.GetValueOrDefault("date", DateTime.Now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
string umapJsDir = arguments.GetValueOrDefault("umap-js", "bench/umap-js");
bool skipUmapJs = arguments.ContainsKey("skip-umap-js");
var only = arguments.GetValueOrDefault("only", "sae,gaussian,large").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
const int QualityK = 15;
const int Seed = 42;

Directory.CreateDirectory(outDir);
string scratch = Path.Combine(Path.GetTempPath(), $"saex-umap-bench-{Environment.ProcessId}");
Directory.CreateDirectory(scratch);

// JIT warm-up so the first timed run measures the algorithm, not compilation.
Log("warm-up");
new UmapReducer(new UmapOptions { EpochCount = 20 }).Fit(BenchData.GaussianClusters(3, 30, 16, 3, 1).Dense!);
new UmapReducer(new UmapOptions { EpochCount = 20, Metric = UmapMetric.Cosine }).Fit(BenchData.SparseSaeClusters(3, 30, 4096, 40, 10, 1).Sparse!);

var datasets = new List<Func<BenchDataset>>();
if (only.Contains("sae"))
    datasets.Add(() => BenchData.SparseSaeClusters(clusters: 6, perCluster: 50, featureCount: 65_536, signature: 400, background: 150, seed: 1));
if (only.Contains("gaussian"))
    datasets.Add(() => BenchData.GaussianClusters(clusters: 6, perCluster: 250, dim: 2_048, centreScale: 0.5, seed: 2));
if (only.Contains("large"))
    datasets.Add(() => BenchData.LowRankClusters(clusters: 10, count: 10_000, dim: 8_192, latent: 10, seed: 3));
if (arguments.TryGetValue("run-dir", out var runDir))
{
    int layer = int.Parse(arguments.GetValueOrDefault("layer", "2"), CultureInfo.InvariantCulture);
    datasets.Add(() => BenchData.FromRun(runDir, layer, features: true));
    datasets.Add(() => BenchData.FromRun(runDir, layer, features: false));
}

var results = new JsonArray();
foreach (var make in datasets)
{
    var clock = Stopwatch.StartNew();
    var data = make();
    Log($"{data.Name}: generated in {clock.Elapsed.TotalSeconds:F1} s — {data.Description}");
    var metric = data.Metric == "cosine" ? UmapMetric.Cosine : UmapMetric.Euclidean;
    var points = data.Sparse is not null ? PointSet.FromSparse(data.Sparse) : PointSet.FromDense(data.Dense!);
    var options = new UmapOptions { Metric = metric, Seed = Seed };

    clock.Restart();
    var ours = new UmapReducer(options).Fit(points);
    double oursSeconds = clock.Elapsed.TotalSeconds;
    Log($"{data.Name}: ours {oursSeconds:F2} s (kNN {ours.Timings.NearestNeighbors.TotalSeconds:F2}, graph {ours.Timings.FuzzyGraph.TotalSeconds:F2}, " +
        $"init {ours.Timings.Initialization.TotalSeconds:F2}, SGD {ours.Timings.Optimization.TotalSeconds:F2}), {ours.ConnectedComponents} components");

    clock.Restart();
    var oursQuality = EmbeddingMetrics.Evaluate(points, ours.Embedding, QualityK, metric, data.Labels, accuracyK: QualityK);
    Log($"{data.Name}: ours quality {Describe(oursQuality)} (metrics {clock.Elapsed.TotalSeconds:F1} s)");

    double? recall = null;
    if (!ours.Neighbors.IsExact)
    {
        clock.Restart();
        var exact = NearestNeighborSearch.Exact(points, options.NeighborCount, metric);
        recall = Enumerable.Range(0, points.Count).Average(i =>
            ours.Neighbors.NeighborsOf(i).ToArray().Intersect(exact.NeighborsOf(i).ToArray()).Count() / (double)options.NeighborCount);
        Log($"{data.Name}: NN-descent recall vs exact {recall:F4} (exact kNN {clock.Elapsed.TotalSeconds:F1} s)");
    }

    var entry = new JsonObject
    {
        ["name"] = data.Name,
        ["description"] = data.Description,
        ["n"] = data.Count,
        ["dimension"] = data.Dimension,
        ["sparse"] = data.Sparse is not null,
        ["mean_active"] = data.Sparse?.Average(v => v.ActiveCount),
        ["metric"] = data.Metric,
        ["clusters"] = data.Labels.Distinct().Count(),
        ["ours"] = new JsonObject
        {
            ["seconds"] = Round(oursSeconds),
            ["knn_seconds"] = Round(ours.Timings.NearestNeighbors.TotalSeconds),
            ["graph_seconds"] = Round(ours.Timings.FuzzyGraph.TotalSeconds),
            ["init_seconds"] = Round(ours.Timings.Initialization.TotalSeconds),
            ["sgd_seconds"] = Round(ours.Timings.Optimization.TotalSeconds),
            ["knn_method"] = ours.Neighbors.IsExact ? "exact" : "nn-descent",
            ["knn_recall_vs_exact"] = recall is null ? 1.0 : Round(recall.Value),
            ["graph_components"] = ours.ConnectedComponents,
            ["epochs"] = ours.EpochCount,
            ["init"] = "spectral",
            ["quality"] = Quality(oursQuality),
        },
    };

    if (!skipUmapJs)
    {
        string dataPath = Path.Combine(scratch, data.Name + ".bin");
        string paramsPath = Path.Combine(scratch, data.Name + ".params.json");
        string embeddingPath = Path.Combine(scratch, data.Name + ".umap-js.json");
        BenchData.Write(data, dataPath);
        File.WriteAllText(paramsPath, JsonSerializer.Serialize(new
        {
            nNeighbors = options.NeighborCount, minDist = options.MinDist, spread = options.Spread, nEpochs = ours.EpochCount,
            learningRate = options.LearningRate, negativeSampleRate = options.NegativeSampleRate,
            repulsionStrength = options.RepulsionStrength, setOpMixRatio = options.SetOpMixRatio,
            localConnectivity = options.LocalConnectivity, metric = data.Metric, seed = Seed,
        }));
        Log($"{data.Name}: running umap-js …");
        RunNode(umapJsDir, dataPath, paramsPath, embeddingPath);
        File.Delete(dataPath);
        using var js = JsonDocument.Parse(File.ReadAllBytes(embeddingPath));
        var jsRoot = js.RootElement;
        var jsEmbedding = jsRoot.GetProperty("embedding").EnumerateArray()
            .Select(row => row.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray()).ToArray();
        double jsSeconds = jsRoot.GetProperty("seconds").GetDouble();
        var jsQuality = EmbeddingMetrics.Evaluate(points, jsEmbedding, QualityK, metric, data.Labels, accuracyK: QualityK);
        Log($"{data.Name}: umap-js {jsSeconds:F2} s, quality {Describe(jsQuality)}");
        entry["umap_js"] = new JsonObject
        {
            ["version"] = jsRoot.GetProperty("version").GetString(),
            ["node"] = jsRoot.GetProperty("node").GetString(),
            ["seconds"] = Round(jsSeconds),
            ["epochs"] = jsRoot.GetProperty("nEpochs").GetInt32(),
            ["init"] = "random (umap-js has no spectral initialisation)",
            ["knn_method"] = "rp-forest + nn-descent",
            ["quality"] = Quality(jsQuality),
        };
        entry["trustworthiness_ours_minus_umap_js"] = Round(oursQuality.Trustworthiness - jsQuality.Trustworthiness);
        entry["speedup_vs_umap_js"] = Round(jsSeconds / oursSeconds);
    }
    results.Add(entry);
}

var report = new JsonObject
{
    ["benchmark"] = "SaeExplorer UMAP vs umap-js",
    ["date"] = date,
    ["machine"] = new JsonObject
    {
        ["label"] = machine,
        ["cpu"] = CpuModel(),
        ["logical_cores"] = Environment.ProcessorCount,
        ["note"] = "shared development box with 2 cores; other agents' builds may have been running, so times are indicative",
        ["os"] = RuntimeInformation.OSDescription,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
    },
    ["parameters"] = new JsonObject
    {
        ["n_neighbors"] = 15, ["min_dist"] = 0.1, ["spread"] = 1.0, ["n_components"] = 2, ["learning_rate"] = 1.0,
        ["negative_sample_rate"] = 5, ["repulsion_strength"] = 1.0, ["set_op_mix_ratio"] = 1.0, ["local_connectivity"] = 1.0,
        ["epochs"] = "umap-learn's rule (500 for N ≤ 10,000), passed to umap-js too", ["seed"] = Seed,
        ["quality_k"] = QualityK,
        ["quality_note"] = "trustworthiness and kNN preservation against exact input-space neighbours (input metric); kNN accuracy (leave-one-out, k = 15) and Euclidean silhouette of the cluster labels in the embedding",
    },
    ["datasets"] = results,
};
string stem = Path.Combine(outDir, $"{date}-umap-vs-umap-js-{machine}");
File.WriteAllText(stem + ".json", report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
File.WriteAllText(stem + ".md", Markdown(report));
Log($"wrote {stem}.json and .md");
Directory.Delete(scratch, recursive: true);
return 0;

static void RunNode(string umapJsDir, string dataPath, string paramsPath, string outPath)
{
    var start = new ProcessStartInfo("node")
    {
        ArgumentList = { "--max-old-space-size=8192", Path.Combine(umapJsDir, "run-umap.js"), dataPath, paramsPath, outPath },
        RedirectStandardError = true,
    };
    using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
    string stderr = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
        throw new InvalidOperationException($"umap-js failed ({process.ExitCode}): {stderr}");
    Console.Error.Write(stderr);
}

static JsonObject Quality(EmbeddingQuality q) => new()
{
    ["trustworthiness"] = Round(q.Trustworthiness),
    ["knn_preservation"] = Round(q.KnnPreservation),
    ["knn_accuracy"] = Round(q.KnnAccuracy!.Value),
    ["silhouette"] = Round(q.Silhouette!.Value),
};

static string Describe(EmbeddingQuality q) =>
    $"T={q.Trustworthiness:F4} kNN-pres={q.KnnPreservation:F4} acc={q.KnnAccuracy:F4} sil={q.Silhouette:F4}";

static double Round(double x) => Math.Round(x, 4);

static string CpuModel()
{
    try
    {
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? "unknown";
    }
    catch (IOException)
    {
        return "unknown";
    }
}

static string Markdown(JsonObject report)
{
    var md = new StringBuilder();
    var m = report["machine"]!;
    md.AppendLine($"# UMAP: SaeExplorer vs umap-js — {report["date"]}");
    md.AppendLine();
    md.AppendLine($"Machine: **{m["label"]}** — {m["cpu"]}, {m["logical_cores"]} logical cores ({m["note"]}); {m["dotnet"]}.");
    md.AppendLine();
    md.AppendLine("Same data and parameters for both (n_neighbors 15, min_dist 0.1, umap-learn's epoch rule, seed 42). Ours: " +
        "spectral init, exact kNN up to 4,096 points and NN-descent above. umap-js 1.4.0: random init, RP-forest + NN-descent. " +
        "Quality: trustworthiness (T) and kNN preservation at k = 15 against exact input-space neighbours; kNN accuracy (leave-one-out, k = 15) " +
        "and Euclidean silhouette of the known clusters in the 2-D embedding. Times are wall-clock for the fit only (umap-js: without reading the file).");
    md.AppendLine();
    md.AppendLine("| dataset | implementation | time (s) | T (k=15) | kNN preservation | kNN accuracy | silhouette |");
    md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    foreach (var d in report["datasets"]!.AsArray())
    {
        foreach (var (key, label) in new[] { ("ours", "SaeExplorer"), ("umap_js", "umap-js 1.4.0") })
        {
            if (d![key] is not JsonObject r)
                continue;
            var q = r["quality"]!;
            md.AppendLine($"| {d["name"]} | {label} | {r["seconds"]} | {q["trustworthiness"]} | {q["knn_preservation"]} | {q["knn_accuracy"]} | {q["silhouette"]} |");
        }
    }
    md.AppendLine();
    foreach (var d in report["datasets"]!.AsArray())
    {
        var o = d!["ours"]!;
        md.AppendLine($"- **{d["name"]}**: {d["description"]}. Ours: kNN {o["knn_seconds"]} s ({o["knn_method"]}, recall vs exact {o["knn_recall_vs_exact"]}), " +
            $"graph {o["graph_seconds"]} s, init {o["init_seconds"]} s, SGD {o["sgd_seconds"]} s ({o["epochs"]} epochs), {o["graph_components"]} graph component(s)." +
            (d["speedup_vs_umap_js"] is { } s ? $" Speed-up vs umap-js ×{s}; ΔT (ours − umap-js) {d["trustworthiness_ours_minus_umap_js"]}." : ""));
    }
    return md.ToString();
}

static Dictionary<string, string> ParseArguments(string[] args)
{
    var result = new Dictionary<string, string>();
    for (int i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal))
            throw new ArgumentException($"unexpected argument {args[i]}");
        string key = args[i][2..];
        result[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
    }
    return result;
}

static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
