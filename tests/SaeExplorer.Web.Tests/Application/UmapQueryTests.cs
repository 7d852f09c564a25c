using SaeExplorer.Runs.Settings;
using SaeExplorer.Runs.Sources;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Core.Umap;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Web.Application.Runs;
using SaeExplorer.Web.Application.Umap;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>The UMAP handler on a run made in memory: the same maps as the builder called directly, computed once.</summary>
public sealed class UmapQueryTests
{
    private const int DModel = 16;
    private const int DSae = 48;
    private const int Tokens = 3;

    /// <summary>Three conditions × 12 topics whose activations and features sit around one centre per condition.</summary>
    private static RunData MakeRun(string runId)
    {
        var set = new PromptSet("clusters", "three separated styles",
            [new Condition("novice", "Explain {topic} simply."), new Condition("expert", "Explain {topic} rigorously."), new Condition("oddball", "{topic}!!")],
            Enumerable.Range(0, 12).Select(i => $"topic {i}").ToList());
        var random = new Random(7);
        var prompts = PromptSets.Expand(set).Select(p =>
        {
            int c = set.Conditions.ToList().FindIndex(x => x.Name == p.Condition);
            var dense = new float[Tokens * DSae];
            var activations = new float[Tokens * DModel];
            for (int t = 0; t < Tokens; t++)
            {
                for (int f = 0; f < DSae; f++)
                    dense[t * DSae + f] = f / 16 == c || random.NextDouble() < 0.1 ? (float)random.NextDouble() + 0.1f : 0f;
                for (int d = 0; d < DModel; d++)
                    activations[t * DModel + d] = (d % 3 == c ? 3f : 0f) + (float)random.NextDouble();
            }
            var features = SparseFeatureMatrix.FromDense(dense, Tokens, DSae);
            int[] user = [1, 2];
            var pooledActivations = ActivationPooling.StoredOrder.Select(m => ActivationPooling.Pool(activations, Tokens, DModel, m, user)).ToArray();
            var cached = new CachedPrompt([1, 2, 3], features, user, pooledActivations);
            var text = p.Messages[^1].Content;
            return new PromptResult(p, new EncodedPrompt(text, [1, 2, 3], [], ChatFormat.None), cached,
                FeaturePooling.Pool(features, PoolingMethod.Last, user), ActivationPooling.Stored(pooledActivations, PoolingMethod.Last));
        }).ToList();
        var result = new ExperimentResult(prompts, ChatFormat.None, "model-fp", "sae-fp", DModel, DSae, prompts.Count, 0, new FeatureDiffReport([], []), null);
        var spec = new ModelSpec(new ModelSource("/models/test", DModel, 4, 128256, 128, () => "model-fp"),
            new SaeSource("goodfire", "/saes/test.pt", "/saes/test.pt", ["/saes/test.pt"], DModel, DSae, "standard", null, null, () => "sae-fp"), 2, ComputeDevice.Cpu, ComputeDType.Float32);
        var model = new ModelInfo(spec, DModel, 4, DSae, "relu", "none", 128, "model-fp", "sae-fp");
        return new RunData(runId, set, result, model, PoolingMethod.Last, ComputeDType.Float32, 8);
    }

    private sealed class Runs(RunData data) : IRunDataSource
    {
        public int Opened { get; private set; }

        public Task<RunData> OpenAsync(string runId, CancellationToken cancellation)
        {
            Opened++;
            return runId == data.RunId ? Task.FromResult(data) : throw new ArgumentException($"no run '{runId}'");
        }
    }

    [Fact]
    public async Task The_handler_gives_the_builders_maps_and_serves_a_second_request_from_the_cache()
    {
        var data = MakeRun("r1");
        var runs = new Runs(data);
        var handler = new ComputeUmapQueryHandler(runs, new UmapCache());

        var view = await handler.Handle(new ComputeUmapQuery("r1", PoolingMethod.User), CancellationToken.None);
        var pooled = data.Pooled(PoolingMethod.User);
        var direct = ConditionEmbeddingsBuilder.Compute(data.PooledActivations(PoolingMethod.User), pooled.Select(p => p.Features).ToList(),
            pooled.Select(p => p.Condition).ToList());

        foreach (var (mine, theirs) in view.Embeddings.Zip([direct.Activations, direct.Features]))
        {
            Assert.Equal(theirs.Name, mine.Name);
            Assert.Equal(theirs.Embedding.Length, mine.Embedding.Length);
            for (int i = 0; i < theirs.Embedding.Length; i++)
                Assert.Equal(theirs.Embedding[i], mine.Embedding[i]);
            Assert.Equal(theirs.SilhouetteOriginal, mine.SilhouetteOriginal);
            Assert.Equal(theirs.Quality, mine.Quality);
        }
        Assert.Equal(["novice", "expert", "oddball"], view.Conditions);
        Assert.Equal("novice/topic-0", view.Points[0].PromptId);
        Assert.Equal("Explain topic 0 simply.", view.Points[0].UserText);
        // The conditions are built to be apart: the original spaces say so.
        Assert.True(view.Maps.Activations.KnnAccuracyOriginal > 0.9, $"kNN accuracy {view.Maps.Activations.KnnAccuracyOriginal}");

        var again = await handler.Handle(new ComputeUmapQuery("r1", PoolingMethod.User), CancellationToken.None);
        Assert.Same(view, again);
        Assert.Equal(1, runs.Opened);

        var otherPooling = await handler.Handle(new ComputeUmapQuery("r1", PoolingMethod.Max), CancellationToken.None);
        Assert.NotSame(view, otherPooling);
        Assert.Equal(2, runs.Opened);
    }

    [Fact]
    public async Task A_failure_is_not_cached()
    {
        var runs = new Runs(MakeRun("r1"));
        var handler = new ComputeUmapQueryHandler(runs, new UmapCache());

        await Assert.ThrowsAsync<ArgumentException>(async () => await handler.Handle(new ComputeUmapQuery("missing", PoolingMethod.User), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(async () => await handler.Handle(new ComputeUmapQuery("missing", PoolingMethod.User), CancellationToken.None));

        Assert.Equal(2, runs.Opened);
    }

    [Fact]
    public void The_metrics_table_has_the_clis_columns_and_one_row_per_map()
    {
        var view = UmapView.Compute(MakeRun("r1"), PoolingMethod.Mean);
        var table = view.MetricsTable();

        Assert.Equal(["map", "metric", "silhouette_original", "knn_accuracy_original", "silhouette_embedding", "knn_accuracy_embedding", "trustworthiness", "knn_preservation", "k", "trustworthiness_k"], table.Headers);
        Assert.Equal(["activations", "features"], table.Rows.Select(r => r[0]));
        Assert.Equal(["euclidean", "cosine"], table.Rows.Select(r => r[1]));
        Assert.All(table.Rows, r => Assert.All(r.Skip(2).Take(6), v => Assert.InRange(Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture), -1.0, 1.0)));
        Assert.Equal(36, view.Figure(view.Maps.Features).Points.Count);
    }

    [Fact]
    public void Condition_and_topic_colourings_split_the_prompts_into_their_groups_in_order()
    {
        var view = UmapView.Compute(MakeRun("r1"), PoolingMethod.User);

        var byCondition = UmapColouring.ByCondition(view);
        Assert.Equal(["novice", "expert", "oddball"], byCondition.Select(t => t.Name));
        Assert.Equal(Enumerable.Range(12, 12), byCondition[1].Rows);

        var byTopic = UmapColouring.ByTopic(view);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"topic {i}"), byTopic.Select(t => t.Name));
        // Each topic once per condition: rows 7, 19 and 31 are topic 7's novice, expert and oddball prompts.
        Assert.Equal([7, 19, 31], byTopic[7].Rows);
        Assert.Equal(["novice/topic-7", "expert/topic-7", "oddball/topic-7"], byTopic[7].Rows.Select(r => view.Points[r].PromptId));
        Assert.All(byTopic, t => Assert.Null(t.Values));
    }

    [Fact]
    public void Feature_colouring_draws_the_strongest_prompts_last_with_their_values()
    {
        var view = UmapView.Compute(MakeRun("r1"), PoolingMethod.User);
        // Three prompts fire, the rest are 0.
        var byPrompt = view.Points.ToDictionary(p => p.PromptId, _ => 0.0);
        byPrompt["expert/topic-3"] = 2.5;
        byPrompt["novice/topic-0"] = 0.25;
        byPrompt["oddball/topic-11"] = 1.0;
        var values = new UmapFeatureValues("r1", PoolingMethod.User, 9, byPrompt);

        var trace = UmapColouring.ByFeature(view, values);

        Assert.Equal("feature 9", trace.Name);
        Assert.Equal(36, trace.Rows.Count);
        // The 33 zeros in row order, then 0.25 (row 0), 1.0 (row 35), 2.5 (row 15).
        Assert.Equal(Enumerable.Range(1, 34).Where(r => r != 15), trace.Rows.Take(33));
        Assert.Equal([0, 35, 15], trace.Rows.Skip(33));
        Assert.Equal([0.25, 1.0, 2.5], trace.Values!.Skip(33));
        Assert.Equal(2.5, trace.ScaleMax);
        Assert.Equal((2.5, 3), (values.Max, values.ActiveCount));

        var silent = UmapColouring.ByFeature(view, values with { ByPrompt = view.Points.ToDictionary(p => p.PromptId, _ => 0.0) });
        Assert.Equal(1, silent.ScaleMax);
        Assert.Throws<ArgumentException>(() => UmapColouring.ByFeature(view, values with { Pooling = PoolingMethod.Max }));
    }

    [Fact]
    public async Task Feature_values_are_each_prompts_pooled_value_and_an_index_outside_the_sae_is_refused()
    {
        var data = MakeRun("r1");
        using var models = new LiveModelService();
        var handler = new UmapFeatureValuesHandler(new Runs(data), new RunViewCache(models));

        // Feature 3 belongs to the novice cluster (features 0–15 fire on every novice token), so with max pooling every
        // novice prompt has a value in [0.1, 1.1) and the others only where the 10% noise put one.
        var values = await handler.Handle(new UmapFeatureValuesQuery("r1", PoolingMethod.Max, 3), CancellationToken.None);

        Assert.Equal((3, PoolingMethod.Max, 36), (values.Feature, values.Pooling, values.ByPrompt.Count));
        foreach (var p in data.Pooled(PoolingMethod.Max))
        {
            int k = Array.IndexOf(p.Features.Indices, 3);
            Assert.Equal(k >= 0 ? p.Features.Values[k] : 0.0, values.ByPrompt[p.Id]);
        }
        Assert.All(values.ByPrompt.Where(kv => kv.Key.StartsWith("novice/", StringComparison.Ordinal)), kv => Assert.InRange(kv.Value, 0.1, 1.1));
        Assert.True(values.ActiveCount is >= 12 and < 36, $"{values.ActiveCount} prompts active");

        var e = await Assert.ThrowsAsync<ArgumentException>(async () => await handler.Handle(new UmapFeatureValuesQuery("r1", PoolingMethod.Max, DSae), CancellationToken.None));
        Assert.Equal($"Feature {DSae} does not exist: the run's SAE has {DSae} features, numbered 0 to {DSae - 1}.", e.Message);
    }
}
