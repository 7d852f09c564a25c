using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Sources;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Tests;

namespace SaeExplorer.Inference.Tests.Pipeline;

public sealed class ExperimentPipelineTests
{
    private static string GoodfireSae => Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");

    private static ExperimentRequest Request(PromptSet set, int layer = 2, PoolingMethod pooling = PoolingMethod.Last) => new(
        SourceResolver.Model(FixturePaths.TinyModel), SourceResolver.Sae(GoodfireSae, layer), layer, "auto", set, pooling, ComputeDevice.Cpu, ComputeDType.Float32,
        BatchSize: 16, [new Contrast("novice", "expert")]);

    private static ExperimentResult Run(ExperimentRequest request, IFeatureCache cache) => new ExperimentPipeline().Run(ExperimentPipeline.Prepare(request), cache);

    private static PromptSet SmallSet => PromptSets.BuiltIn() with { Topics = ["how vaccines work", "black holes"] };

    [Fact]
    public void The_builtin_300_prompt_set_runs_and_a_second_run_computes_nothing()
    {
        var cache = new MemoryFeatureCache();

        var first = Run(Request(PromptSets.BuiltIn()), cache);
        Assert.Equal(300, first.Prompts.Count);
        Assert.Equal(300, first.ComputedCount);
        Assert.Equal(0, first.CachedCount);
        Assert.Equal(256, first.DSae);
        Assert.Equal(32, first.DModel);
        Assert.Equal(6, first.Report.Conditions.Count);

        var second = Run(Request(PromptSets.BuiltIn()), cache);
        Assert.Equal(0, second.ComputedCount);
        Assert.Equal(300, second.CachedCount);
        Assert.Equal(FeatureDiff.ToJson(first.Report), FeatureDiff.ToJson(second.Report));
    }

    [Fact]
    public void Features_of_a_golden_prompt_match_the_reference_sae_output()
    {
        var result = Run(Request(SmallSet), new MemoryFeatureCache());
        var prompt = result.Prompts.Single(p => p.Prompt.Condition == "standard" && p.Prompt.Topic == "how vaccines work");
        Assert.Equal(Golden.PromptIds[0], prompt.Cached.TokenIds);

        var ours = prompt.Cached.Features.ToDense();
        var golden = Golden.Floats(Path.Combine(FixturePaths.Golden, "golden_sae.safetensors"), "p0.goodfire.features");
        Assert.True(Golden.MaxAbsDiff(ours, golden) <= 1e-4);
        Assert.Equal(golden.Count(v => v != 0), prompt.Cached.Features.NonZeroCount);

        // Last-token pooling is the last row; the raw activation pooled the same way is the last resid_post.2 row.
        var lastRow = golden.AsSpan(golden.Length - 256).ToArray();
        Assert.Equal(lastRow.Count(v => v != 0), prompt.PooledFeatures.ActiveCount);
        var resid = Golden.Capture("p0.resid_post.2");
        Assert.True(Golden.MaxAbsDiff(prompt.PooledActivations, resid.AsSpan(resid.Length - 32).ToArray()) <= 1e-5);
    }

    [Fact]
    public void A_different_layer_or_dtype_never_reuses_cached_features()
    {
        var cache = new MemoryFeatureCache();
        Run(Request(SmallSet), cache);
        Assert.Equal(12, cache.Count);

        var otherLayer = Run(Request(SmallSet, layer: 1), cache);
        Assert.Equal(12, otherLayer.ComputedCount);

        var bf16 = Run(Request(SmallSet) with { DType = ComputeDType.BFloat16 }, cache);
        Assert.Equal(12, bf16.ComputedCount);

        // Pooling is applied after the cache, so changing it costs nothing.
        var mean = Run(Request(SmallSet, pooling: PoolingMethod.Mean), cache);
        Assert.Equal(0, mean.ComputedCount);
        Assert.Equal(36, cache.Count);
    }

    [Fact]
    public void User_pooling_ignores_the_identical_chat_template()
    {
        var result = Run(Request(SmallSet, pooling: PoolingMethod.User), new MemoryFeatureCache());
        foreach (var p in result.Prompts)
        {
            var positions = p.Cached.UserTokenPositions;
            Assert.NotEmpty(positions);
            Assert.True(positions[0] > 25, "user tokens start after the system block");
            var expected = FeaturePooling.Pool(p.Cached.Features, PoolingMethod.User, positions);
            Assert.Equal(expected.Indices, p.PooledFeatures.Indices);
        }
    }

    [Fact]
    public void Opening_reads_the_cache_under_the_request_identity_and_never_computes()
    {
        var cache = new MemoryFeatureCache();
        var computed = Run(Request(SmallSet), cache);

        var reopened = ExperimentPipeline.Open(ExperimentPipeline.Prepare(Request(SmallSet, pooling: PoolingMethod.Max)), cache);
        Assert.Equal(0, reopened.ComputedCount);
        Assert.Equal(12, reopened.CachedCount);
        Assert.Equal(computed.Prompts.Select(p => p.Cached.Features.Values), reopened.Prompts.Select(p => p.Cached.Features.Values));
        Assert.Equal(computed.Prompts.Select(p => p.PooledActivations), reopened.Prompts.Select(p => ActivationPooling.Stored(p.Cached.PooledActivations, PoolingMethod.Last)));

        // The same prompts in bfloat16 are other keys: nothing there, so nothing is opened and nothing is computed.
        var e = Assert.Throws<RefusedException>(() => ExperimentPipeline.Open(ExperimentPipeline.Prepare(Request(SmallSet) with { DType = ComputeDType.BFloat16 }), cache));
        Assert.Contains("12 of 12 prompts are not in the store", e.Message);
        Assert.Contains("bfloat16", e.Message);
        Assert.Equal(12, cache.Count);
    }

    [Fact]
    public void An_sae_for_another_width_stops_before_the_model_loads()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var model = tmp.Copy(FixturePaths.TinyModel, "wider");
        var config = Path.Combine(model, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"hidden_size\": 32", "\"hidden_size\": 64"));
        var e = Assert.Throws<SettingsException>(() => ModelSpec.Resolve(model, GoodfireSae, 2));
        Assert.Equal(SettingsField.Sae, e.Field);
        Assert.Contains("32", e.Message);
        Assert.Contains("64", e.Message);
    }

    [Fact]
    public void A_saelens_sae_trained_on_layer_3_is_refused_at_layer_2_naming_both_unless_forced()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var sae = Saes.SaeLoadingTests.CopySaeLens(tmp.Path, cfg =>
        {
            cfg["hook_name"] = "blocks.3.hook_resid_post";
            cfg["hook_layer"] = 3;
        });

        var e = Assert.Throws<SettingsException>(() => ModelSpec.Resolve(FixturePaths.TinyModel, sae, 2));
        Assert.Equal(SettingsField.Layer, e.Field);
        Assert.Contains("trained on layer 3 (blocks.3.hook_resid_post)", e.Message);
        Assert.Contains("layer 2 was asked for", e.Message);
        Assert.Contains("--force-layer", e.Message);

        var forced = ModelSpec.Resolve(FixturePaths.TinyModel, sae, 2, forceLayer: true);
        Assert.Equal((2, 3), (forced.Layer, forced.Sae.HookLayer!.Value));
    }
}

/// <summary>A run resumed after a kill mid-batch gives the numbers of an uninterrupted run (the hardening issue, item 9).</summary>
public sealed class ResumedRunTests
{
    private static ExperimentRequest Request() => new(
        SourceResolver.Model(FixturePaths.TinyModel), SourceResolver.Sae(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), 2), 2, "auto",
        PromptSets.BuiltIn() with { Topics = ["how vaccines work", "black holes"] }, PoolingMethod.Last, ComputeDevice.Cpu, ComputeDType.Float32,
        BatchSize: 4, []);

    private sealed class Recorder : IProgress<PipelineProgress>
    {
        public List<PipelineProgress> Reports { get; } = [];

        public void Report(PipelineProgress value) => Reports.Add(value);
    }

    [Fact]
    public void A_batch_cut_short_is_recomputed_whole_and_every_prompt_matches_an_uninterrupted_run_bit_for_bit()
    {
        var experiment = ExperimentPipeline.Prepare(Request());
        var whole = new MemoryFeatureCache();
        new ExperimentPipeline().Run(experiment, whole);

        // The kill: the first batch stored whole, two of the second batch's four stored.
        var batches = Inference.Capture.ResidualCapture.PlanBatches(experiment.Encoded.Select(e => e.Ids.Length).ToList(), 4);
        Assert.Equal(3, batches.Count);
        var resumed = new MemoryFeatureCache();
        foreach (var i in batches[0].Concat(batches[1].Take(2)))
        {
            Assert.True(whole.TryGet(experiment.Keys[i], out var stored));
            resumed.Put(experiment.Keys[i], stored);
        }

        Assert.Equal(batches[1].Concat(batches[2]), experiment.BatchesToCompute(resumed));
        var progress = new Recorder();
        var result = new ExperimentPipeline().Run(experiment, resumed, progress);
        Assert.Equal(6, result.ComputedCount);
        Assert.Equal(6, progress.Reports.Last(r => r.Stage == "capture").Total);
        Assert.DoesNotContain(progress.Reports, r => r.Stage == "check");
        for (int i = 0; i < experiment.Keys.Length; i++)
        {
            Assert.True(whole.TryGet(experiment.Keys[i], out var a));
            Assert.True(resumed.TryGet(experiment.Keys[i], out var b));
            Assert.Equal(a.Features.Values, b.Features.Values);
            Assert.Equal(a.Features.Indices, b.Features.Indices);
            Assert.Equal(a.PooledActivations.SelectMany(x => x), b.PooledActivations.SelectMany(x => x));
        }
    }

    [Fact]
    public void A_store_filled_at_one_batch_size_is_not_reused_at_another_and_a_run_reopens_at_its_own()
    {
        var cache = new MemoryFeatureCache();
        var atFour = ExperimentPipeline.Prepare(Request());
        new ExperimentPipeline().Run(atFour, cache);
        Assert.Equal(4, atFour.Spec("set-hash").Identity.BatchSize);

        // Other companions round differently in the last bits, so another batch size computes its own.
        var atThree = new ExperimentPipeline().Run(ExperimentPipeline.Prepare(Request() with { BatchSize = 3 }), cache);
        Assert.Equal(12, atThree.ComputedCount);
        Assert.Equal(24, cache.Count);

        // Reopening takes the batch size from the run's identity, whatever the request says.
        var reopened = ExperimentPipeline.Reopen("run-4", atFour.Identity, Request() with { BatchSize = 1 }, cache);
        Assert.Equal(12, reopened.CachedCount);
        for (int i = 0; i < atFour.Keys.Length; i++)
        {
            Assert.True(cache.TryGet(atFour.Keys[i], out var stored));
            Assert.Same(stored.Features, reopened.Prompts[i].Cached.Features);
        }
    }

    [Fact]
    public void A_run_recorded_before_runs_kept_their_batch_size_reopens_under_its_old_keys()
    {
        var experiment = ExperimentPipeline.Prepare(Request());
        var current = new MemoryFeatureCache();
        new ExperimentPipeline().Run(experiment, current);
        // Such a run's prompts were stored under keys without a batch size (v2).
        var legacy = experiment.Identity with { BatchSize = null };
        var old = new MemoryFeatureCache();
        for (int i = 0; i < experiment.Keys.Length; i++)
        {
            Assert.True(current.TryGet(experiment.Keys[i], out var stored));
            old.Put(legacy.Key(experiment.Encoded[i].Ids), stored);
        }

        var reopened = ExperimentPipeline.Reopen("old-run", legacy, Request() with { BatchSize = 8 }, old);

        Assert.Equal(12, reopened.CachedCount);
        Assert.Throws<RefusedException>(() => ExperimentPipeline.Open(experiment, old));
    }

    [Fact]
    public void A_cached_companion_that_comes_out_different_is_kept_and_reported()
    {
        var experiment = ExperimentPipeline.Prepare(Request());
        var cache = new MemoryFeatureCache();
        new ExperimentPipeline().Run(experiment, cache);
        var batches = Inference.Capture.ResidualCapture.PlanBatches(experiment.Encoded.Select(e => e.Ids.Length).ToList(), 4);
        // Forget one prompt of the last batch and tamper with a companion's stored features.
        var last = batches[2];
        var forgotten = new MemoryFeatureCache();
        foreach (var i in Enumerable.Range(0, experiment.Keys.Length).Where(i => i != last[0]))
        {
            cache.TryGet(experiment.Keys[i], out var stored);
            forgotten.Put(experiment.Keys[i], i == last[1] ? stored! with { Features = stored!.Features with { Values = stored.Features.Values.Select(v => v * 2).ToArray() } } : stored!);
        }
        var progress = new Recorder();
        new ExperimentPipeline().Run(experiment, forgotten, progress);
        var check = Assert.Single(progress.Reports, r => r.Stage == "check");
        Assert.Equal((1, 3), (check.Done, check.Total));
        Assert.Contains(experiment.Prompts[last[1]].Id, check.Detail);
        forgotten.TryGet(experiment.Keys[last[1]], out var kept);
        cache.TryGet(experiment.Keys[last[1]], out var original);
        Assert.Equal(original!.Features.Values.Select(v => v * 2), kept!.Features.Values);
    }
}

/// <summary>A NaN or infinity in a captured layer stops the run naming the prompt and token (the hardening issue, item 4).</summary>
public sealed class NonFiniteActivationTests
{
    [Fact]
    public void Finite_weights_that_overflow_stop_the_run_at_the_first_prompt_with_nothing_stored()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "overflow");
        const string name = "model.layers.0.mlp.down_proj.weight";
        string shard;
        Inference.Loading.SafetensorsEntry entry;
        long dataStart;
        using (var index = Inference.Loading.ModelDirectory.Open(dir))
            shard = index.FileOf(name);
        using (var file = Inference.Loading.SafetensorsFile.Open(shard))
        {
            entry = file[name];
            dataStart = file.DataStart;
        }
        // Every weight of layer 0's down projection 3.39e38, bfloat16's largest finite: its product overflows to infinity.
        using (var fs = new FileStream(shard, FileMode.Open, FileAccess.Write))
        {
            fs.Position = dataStart + entry.Begin;
            var big = new byte[entry.End - entry.Begin];
            for (int i = 0; i < big.Length; i += 2)
                (big[i], big[i + 1]) = (0x7F, 0x7F);
            fs.Write(big);
        }
        var request = new ExperimentRequest(SourceResolver.Model(dir), SourceResolver.Sae(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), 2), 2,
            "auto", PromptSets.BuiltIn() with { Topics = ["black holes"] }, PoolingMethod.Last, ComputeDevice.Cpu, ComputeDType.Float32, 16, []);
        var cache = new MemoryFeatureCache();
        var e = Assert.Throws<RefusedException>(() => new ExperimentPipeline().Run(ExperimentPipeline.Prepare(request), cache));
        Assert.Matches(@"^prompt '[a-z]+/black-holes': layer 2's activations hold (NaN|∞|-∞) \(token \d+\)", e.Message);
        Assert.Equal(0, cache.Count);
    }
}
