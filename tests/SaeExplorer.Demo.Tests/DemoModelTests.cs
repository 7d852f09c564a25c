using System.Diagnostics;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Demo;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Runtime;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Tests;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SaeExplorer.Demo.Tests;

/// <summary>One demo created for all tests (about 2 s), and the seed experiment's 300 prompts run on it once.</summary>
public sealed class CreatedDemo : IDisposable
{
    private readonly TempDirectory _tmp = FixturePaths.NewTempDirectory();

    public CreatedDemo()
    {
        Directory = Path.Combine(_tmp.Path, "demo");
        var clock = Stopwatch.StartNew();
        Paths = DemoModel.EnsureCreated(Directory, new SynchronousProgress(Messages.Add));
        CreationTime = clock.Elapsed;
        var request = new ExperimentRequest(SourceResolver.Model(Paths.ModelDirectory), SourceResolver.Sae(Paths.SaePath, Paths.Layer), Paths.Layer, "auto",
            PromptSets.BuiltIn(), PoolingMethod.User, ComputeDevice.Cpu, ComputeDType.Float32, BatchSize: 16,
            [new Contrast("padding", "standard"), new Contrast("novice", "expert")]);
        Experiment = new ExperimentPipeline().Run(ExperimentPipeline.Prepare(request), new MemoryFeatureCache());
    }

    public string Directory { get; }
    public DemoModelPaths Paths { get; }
    public TimeSpan CreationTime { get; }
    public List<string> Messages { get; } = [];
    public ExperimentResult Experiment { get; }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>Reports on the calling thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
internal sealed class SynchronousProgress(Action<string> report) : IProgress<string>
{
    public void Report(string value) => report(value);
}

public sealed class DemoModelTests(CreatedDemo demo, ITestOutputHelper output) : IClassFixture<CreatedDemo>
{
    private static readonly HashSet<string> CalibrationTopics = DemoSae.CalibrationPromptSet().Topics.ToHashSet();

    [Fact]
    public void The_demo_loads_with_the_loaders_of_downloaded_checkpoints()
    {
        output.WriteLine($"created in {demo.CreationTime.TotalSeconds:F2} s:\n  " + string.Join("\n  ", demo.Messages));
        Assert.Equal(Path.Combine(demo.Directory, "model"), demo.Paths.ModelDirectory);
        Assert.Equal(2, demo.Paths.Layer);

        var config = LlamaConfig.Load(Path.Combine(demo.Paths.ModelDirectory, "config.json"));
        Assert.Equal((64, 176, 4, 4, 2, 16, 128_256), (config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers,
            config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim, config.VocabSize));
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), config.RopeScaling);
        Assert.Equal(ChatFormat.Llama31, ChatFormats.Resolve("auto", demo.Paths.ModelDirectory));

        var tokenizer = Llama3Tokenizer.Load(demo.Paths.ModelDirectory);
        Assert.Equal(128_256, tokenizer.VocabSize);
        const string text = "How do vaccines train the immune system?";
        Assert.Equal(Llama3Tokenizer.LoadEmbedded().Encode(text, addBos: true).Ids, tokenizer.Encode(text, addBos: true).Ids);

        // Tied embeddings: the file has no lm_head, every tensor is float32, and the head still produces logits.
        using (var file = SafetensorsFile.Open(Path.Combine(demo.Paths.ModelDirectory, ModelDirectory.SingleFileName)))
        {
            Assert.DoesNotContain(file.Entries, e => e.Name == "lm_head.weight");
            Assert.All(file.Entries, e => Assert.Equal("F32", e.DType));
            Assert.Equal(2 + 4 * 9, file.Entries.Count);
        }
        using (var model = LlamaForCausalLM.Load(demo.Paths.ModelDirectory, 3, withHead: true, ScalarType.Float32, CPU))
        using (var scope = NewDisposeScope())
        using (var batch = PackedBatch.Create([tokenizer.Encode(text, addBos: true).Ids], CPU))
        {
            var logits = model.Logits(batch);
            Assert.Equal([tokenizer.Encode(text, addBos: true).Ids.Length, 128_256L], logits.shape);
            Assert.True(logits.isfinite().all().item<bool>());
            // Random weights, but not a degenerate distribution: next-token scores vary by several units.
            Assert.InRange(logits[-1].std().item<float>(), 1f, 100f);
        }

        var source = SaeFormats.Resolve(demo.Paths.SaePath, demo.Paths.Layer);
        Assert.Equal(2, source.HookLayer);
        using var sae = SaeFormats.Load(source, ScalarType.Float32, CPU);
        Assert.IsType<ReluSae>(sae);
        Assert.Equal(("standard", 64, 4096, true), (sae.Config.Architecture, sae.DIn, sae.DSae, sae.Config.ApplyBDecToInput));
        using (var scope = NewDisposeScope())
        {
            var rowNorms = sae.DecoderWeight.norm(1);
            Assert.True((rowNorms - 1).abs().max().item<float>() < 1e-5f, "decoder rows have unit norm");
            // The encoder is the decoder's transpose times one scale.
            var scale = sae.EncoderWeight.norm(0);
            Assert.InRange(scale.mean().item<float>(), 0.1f, 10f);
            Assert.True((scale / scale.mean() - 1).abs().max().item<float>() < 1e-5f, "all encoder columns have the same norm");
            Assert.True((sae.EncoderWeight.t() / scale.mean() - sae.DecoderWeight).abs().max().item<float>() < 1e-5f);
        }
    }

    [Fact]
    public void On_the_calibration_prompts_every_latent_fires_on_about_two_percent_of_distinct_contexts()
    {
        var calibration = demo.Experiment.Prompts.Where(p => CalibrationTopics.Contains(p.Prompt.Topic)).ToList();
        Assert.Equal(102, calibration.Count);
        var (contexts, fires) = FiringCounts(calibration);
        // Calibration puts each threshold at the 20th highest of 953 pre-activations, so 19 lie above it (2%). The
        // pipeline computes the pre-activations in another order, with the encoder scale folded in, so the token at
        // the threshold lands on either side by rounding, and a near tie moves a rare latent by one more.
        Assert.Equal(953, contexts);
        output.WriteLine($"contexts each latent fires on: {string.Join(", ", fires.CountBy(f => f).OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} ({kv.Value} latents)"))}");
        var outside = fires.Count(f => f is < 17 or > 21);
        Assert.True(outside == 0, $"{outside} latents fire on fewer than 17 or more than 21 of {contexts} contexts; counts {string.Join(", ", fires.CountBy(f => f).OrderBy(kv => kv.Key))}");
        Assert.True(fires.Count(f => f is 19 or 20) >= 4000, "nearly every latent fires on 19 or 20 contexts");
    }

    [Fact]
    public void A_typical_token_has_about_a_hundred_active_latents_and_held_out_prompts_fire_alike()
    {
        // All 300 prompts, every token (template included): 4096 × 2% ≈ 82 per distinct context, more on the template's
        // early positions; measured mean 109.6, median 102, FVE 0.651.
        var counts = demo.Experiment.Prompts.SelectMany(p => Enumerable.Range(0, p.Cached.Features.TokenCount).Select(p.Cached.Features.ActiveCount)).ToArray();
        output.WriteLine($"active latents per token: mean {counts.Average():F1}, median {counts.Order().ElementAt(counts.Length / 2)}, min {counts.Min()}, max {counts.Max()}; FVE {demo.Experiment.Quality!.FractionOfVarianceExplained:F3}");
        Assert.InRange(counts.Average(), 60, 160);
        Assert.InRange(counts.Order().ElementAt(counts.Length / 2), 60, 160);
        Assert.InRange(demo.Experiment.Quality!.FractionOfVarianceExplained, 0.4, 0.9);

        // The 198 prompts on topics the calibration never saw: measured per-latent rate 0.98% (1st percentile),
        // 2.01% (median), 3.53% (99th percentile), no dead latent.
        var heldOut = demo.Experiment.Prompts.Where(p => !CalibrationTopics.Contains(p.Prompt.Topic)).ToList();
        Assert.Equal(198, heldOut.Count);
        var (contexts, fires) = FiringCounts(heldOut);
        var rates = fires.Select(f => f / (double)contexts).Order().ToArray();
        output.WriteLine($"held out: {contexts} contexts; per-latent rate p1 {rates[40]:P2}, median {rates[2048]:P2}, p99 {rates[4055]:P2}, {fires.Count(f => f == 0)} never firing");
        Assert.InRange(rates[2048], 0.015, 0.025);
        Assert.InRange(rates[40], 0.005, 0.02);
        Assert.InRange(rates[4055], 0.02, 0.05);
        Assert.True(fires.Count(f => f == 0) <= 20, $"{fires.Count(f => f == 0)} latents never fire on held-out prompts");
    }

    [Fact]
    public void Features_differ_between_prompts()
    {
        // Every prompt ends in the same assistant header, so the last token's latents differ only through attention
        // to the prompt: measured 65 active on average, Jaccard 0.125 between neighbouring prompts, 298 distinct sets of 300.
        var last = demo.Experiment.Prompts.Select(p => p.Cached.Features.RowIndices(p.Cached.Features.TokenCount - 1).ToArray().ToHashSet()).ToList();
        output.WriteLine($"last token: {last.Average(s => s.Count):F1} latents on average, Jaccard {MeanJaccard(last):F3} between neighbours, {last.Select(s => string.Join(",", s.Order())).Distinct().Count()} distinct sets");
        Assert.InRange(last.Average(s => s.Count), 20, 200);
        Assert.InRange(MeanJaccard(last), 0.02, 0.3);
        Assert.True(last.Select(s => string.Join(",", s.Order())).Distinct().Count() >= 290);

        // Max over the user's tokens: measured 1183 latents on average, Jaccard 0.466 between neighbouring prompts.
        var user = demo.Experiment.Prompts.Select(p => p.PooledFeatures.Indices.ToHashSet()).ToList();
        output.WriteLine($"user tokens: {user.Average(s => s.Count):F0} latents on average, Jaccard {MeanJaccard(user):F3} between neighbours");
        Assert.InRange(MeanJaccard(user), 0.1, 0.7);

        // The padding style opens every user message with the same sentence, whose latents (max over the user's
        // tokens) are then active in every padding prompt and in no standard one; novice and expert differ in two
        // words after the topic, so the latents there depend on the topic too and only some prompts of a side have them.
        var padding = demo.Experiment.Report.Contrasts[0];
        var novice = demo.Experiment.Report.Contrasts[1];
        output.WriteLine($"padding/standard: {padding.AlwaysANeverB.Count} always/never, exclusive {padding.ExclusiveToA}/{padding.ExclusiveToB}; novice/expert: {novice.AlwaysANeverB.Count}/{novice.AlwaysBNeverA.Count} always/never, exclusive {novice.ExclusiveToA}/{novice.ExclusiveToB}");
        Assert.NotEmpty(padding.AlwaysANeverB);
        Assert.True(novice.ExclusiveToA > 0 && novice.ExclusiveToB > 0);
    }

    [Fact]
    public void A_second_call_returns_without_touching_anything()
    {
        var parent = Path.GetDirectoryName(demo.Directory)!;
        var before = Snapshot(parent);
        var messages = new List<string>();

        var paths = DemoModel.EnsureCreated(demo.Directory, new SynchronousProgress(messages.Add));

        Assert.Equal(demo.Paths, paths);
        Assert.Empty(messages);
        Assert.Equal(before, Snapshot(parent));
    }

    [Fact]
    public void Racing_creations_in_an_empty_folder_agree_byte_for_byte_with_another_folder()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var target = Directory.CreateDirectory(Path.Combine(tmp.Path, "demo")).FullName;

        var results = new DemoModelPaths[2];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => results[i] = DemoModel.EnsureCreated(target));

        Assert.Equal(results[0], results[1]);
        Assert.Equal(["demo"], Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName));
        AssertSameFiles(demo.Directory, target);
    }

    [Fact]
    public void A_damaged_demo_is_rebuilt()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var target = CopyTree(demo.Directory, Path.Combine(tmp.Path, "demo"));
        var weights = Path.Combine(target, "sae", "sae_weights.safetensors");
        using (var stream = File.OpenWrite(weights))
            stream.SetLength(stream.Length / 2);
        var messages = new List<string>();

        DemoModel.EnsureCreated(target, new SynchronousProgress(messages.Add));

        Assert.Contains(messages, m => m.Contains("replacing") && m.Contains("sae/sae_weights.safetensors"));
        Assert.Equal(["demo"], Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName));
        AssertSameFiles(demo.Directory, target);
    }

    [Theory]
    [InlineData("notes.txt", "my own notes", "no demo.json")]
    [InlineData("demo.json", """{"kind": "something-else"}""", "did not write")]
    public void A_folder_holding_someone_elses_files_is_refused_and_left_alone(string file, string content, string reason)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var target = Directory.CreateDirectory(Path.Combine(tmp.Path, "taken")).FullName;
        File.WriteAllText(Path.Combine(target, file), content);

        var e = Assert.Throws<IOException>(() => DemoModel.EnsureCreated(target));

        Assert.Contains(target, e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Equal([file], Directory.GetFileSystemEntries(target).Select(Path.GetFileName));
        Assert.Equal(content, File.ReadAllText(Path.Combine(target, file)));
        Assert.Equal(["taken"], Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_cancelled_creation_leaves_nothing_behind()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        Assert.ThrowsAny<OperationCanceledException>(() => DemoModel.EnsureCreated(Path.Combine(tmp.Path, "demo"), ct: new CancellationToken(canceled: true)));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    private static string Snapshot(string root) => string.Join("\n",
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => $"{p} {File.GetLastWriteTimeUtc(p):O} {(File.Exists(p) ? new FileInfo(p).Length : -1)}"));

    /// <summary>Every file the same bytes, except the marker's creation time.</summary>
    private static void AssertSameFiles(string expectedRoot, string actualRoot)
    {
        var expected = RelativeFiles(expectedRoot);
        Assert.Equal(expected, RelativeFiles(actualRoot));
        Assert.Contains("model/model.safetensors", expected);
        Assert.Contains("sae/sae_weights.safetensors", expected);
        foreach (var file in expected.Where(f => f != DemoModel.MarkerFileName))
            Assert.True(File.ReadAllBytes(Path.Combine(expectedRoot, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualRoot, file))), $"{file} differs");
        static string Without(string marker) => string.Join("\n", marker.Split('\n').Where(l => !l.Contains("created_utc")));
        Assert.Equal(Without(File.ReadAllText(Path.Combine(expectedRoot, DemoModel.MarkerFileName))), Without(File.ReadAllText(Path.Combine(actualRoot, DemoModel.MarkerFileName))));
    }

    private static List<string> RelativeFiles(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToList();

    private static string CopyTree(string source, string target)
    {
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    private static double MeanJaccard(List<HashSet<int>> sets) =>
        Enumerable.Range(0, sets.Count - 1).Average(i => sets[i].Intersect(sets[i + 1]).Count() / (double)sets[i].Union(sets[i + 1]).Count());

    /// <summary>Per latent, on how many distinct contexts (token prefixes) of the prompts it fires; and how many contexts there are.</summary>
    private static (int Contexts, int[] Fires) FiringCounts(IReadOnlyList<PromptResult> prompts)
    {
        var fires = new int[4096];
        var prefixes = new Dictionary<(int, int), int>();
        foreach (var p in prompts)
        {
            int node = -1;
            for (int t = 0; t < p.Cached.TokenIds.Length; t++)
            {
                if (!prefixes.TryGetValue((node, p.Cached.TokenIds[t]), out int next))
                {
                    next = prefixes.Count;
                    prefixes.Add((node, p.Cached.TokenIds[t]), next);
                    foreach (var latent in p.Cached.Features.RowIndices(t))
                        fires[latent]++;
                }
                node = next;
            }
        }
        return (prefixes.Count, fires);
    }
}
