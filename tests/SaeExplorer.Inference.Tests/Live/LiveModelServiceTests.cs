using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Tests;

namespace SaeExplorer.Inference.Tests.Live;

/// <summary>The dashboard's model service on the tiny fixture model and its Goodfire-format SAE (layer 2).</summary>
public sealed class LiveModelServiceTests
{
    private static string GoodfireSae => Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");

    private static ModelSpec Spec => ModelSpec.Resolve(FixturePaths.TinyModel, GoodfireSae, 2);

    [Fact]
    public async Task A_live_prompt_has_the_same_features_as_the_pipeline_computes_for_it()
    {
        using var service = new LiveModelService();
        var info = await service.LoadAsync(Spec);
        Assert.Equal(32, info.DModel);
        Assert.Equal(4, info.LayerCount);

        // The built-in set's first prompt, run through the pipeline and typed into the live service, gives identical
        // token ids and identical sparse features: the dashboard and `saex run` agree.
        var set = PromptSets.BuiltIn();
        var first = PromptSets.Expand(set)[0];
        var oneTopic = set with { Topics = [first.Topic], Conditions = [set.Conditions.First(c => c.Name == first.Condition)] };
        var request = new ExperimentRequest(Spec.Model, Spec.Sae, 2, "auto", oneTopic, PoolingMethod.Max, ComputeDevice.Cpu, ComputeDType.Float32, 8, []);
        var run = await service.RunWithLoadedAsync((loaded, ct) =>
            new ExperimentPipeline().Run(ExperimentPipeline.Prepare(request), new MemoryFeatureCache(), cancellation: ct, loaded: loaded));
        var expected = run.Prompts.Single();

        var system = first.Messages.FirstOrDefault(m => m.Role == "system")?.Content;
        var user = first.Messages.Single(m => m.Role == "user").Content;
        var live = await service.AnalyzeAsync(new PromptInput(user, "auto", system));
        Assert.Equal(expected.Encoded.Ids, live.TokenIds);
        Assert.Equal(expected.Cached.Features.RowStarts, live.Features.RowStarts);
        Assert.Equal(expected.Cached.Features.Indices, live.Features.Indices);
        Assert.Equal(expected.Cached.Features.Values, live.Features.Values);
        Assert.Equal(expected.Cached.UserTokenPositions, live.UserTokenPositions);
        Assert.Equal(expected.PooledFeatures.Indices, live.Pool(PoolingMethod.Max).Indices);
        Assert.Equal(live.TokenIds.Length, live.Tokens.Length);
        Assert.Contains(live.Tokens, t => t.Contains("<|start_header_id|>"));
    }

    [Fact]
    public async Task Repeated_live_prompts_leak_no_tensors()
    {
        using var service = new LiveModelService();
        await service.LoadAsync(Spec);
        await service.AnalyzeAsync(new PromptInput("warm up"));
        long before = service.LiveTensors;
        for (int i = 0; i < 5; i++)
            await service.AnalyzeAsync(new PromptInput($"prompt number {i} about sparse autoencoders"));
        Assert.Equal(before, service.LiveTensors);
    }

    [Fact]
    public async Task A_live_answer_equals_the_generator_s_and_answers_leave_no_tensors_behind_even_when_cancelled()
    {
        using var service = new LiveModelService();
        await service.LoadAsync(Spec);
        var request = new LiveGeneration(new PromptInput("Explain how a hash map handles collisions."), new DecodingOptions(12),
            [FeatureIntervention.Clamp(5, 2f)]);
        await service.GenerateAsync(request, new NoListener());
        await service.AnalyzeAsync(new PromptInput("warm up"));
        long before = service.LiveTensors;

        var answer = await service.GenerateAsync(request, new NoListener());
        Assert.Equal(answer.NewIds.Length, answer.Tokens.Length);
        Assert.Equal(answer.NewIds.Length, answer.Features.TokenCount);
        var expected = await service.RunWithLoadedAsync((loaded, _) => AnswerGenerator.Generate(loaded!.Model, [answer.PromptIds], new DecodingOptions(12),
            new HashSet<int> { 128001, 128008, 128009 }, new GenerationPlan(new SaeAtLayer(loaded.Sae, 2), [FeatureIntervention.Clamp(5, 2f)], Features: true))[0]);
        Assert.Equal(expected.NewIds, answer.NewIds);
        Assert.Equal(expected.Features!.ToDense(), answer.Features.ToDense());

        using var cts = new CancellationTokenSource();
        var cancelling = new NoListener(onToken: cts.Cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            service.GenerateAsync(request with { Decoding = new DecodingOptions(500) }, cancelling, cts.Token));
        // A live prompt still runs afterwards, and nothing of either answer is left on the worker.
        await service.AnalyzeAsync(new PromptInput("still here"));
        Assert.Equal(before, service.LiveTensors);
    }

    private sealed class NoListener(Action? onToken = null) : IGenerationListener
    {
        public void Token(int prompt, int index, int tokenId) => onToken?.Invoke();

        public void Features(int prompt, int index, SparseVector features)
        {
        }
    }

    [Fact]
    public async Task Bad_prompts_and_settings_fail_with_the_reason()
    {
        using var service = new LiveModelService();
        var notLoaded = await Assert.ThrowsAsync<RefusedException>(() => service.AnalyzeAsync(new PromptInput("hi")));
        Assert.Contains("no model is loaded", notLoaded.Message);

        var noLayer = Assert.Throws<SettingsException>(() => ModelSpec.Resolve(FixturePaths.TinyModel, GoodfireSae, 9));
        Assert.Contains("decoder layers 0..3", noLayer.Message);
        using var temp = FixturePaths.NewTempDirectory();
        var notAModel = Assert.Throws<SettingsException>(() => ModelSpec.Resolve(temp.Path, GoodfireSae, 2));
        Assert.Contains("no config.json", notAModel.Message);
        Assert.Null(service.Current);

        await service.LoadAsync(Spec);
        var empty = await Assert.ThrowsAnyAsync<ArgumentException>(() => service.AnalyzeAsync(new PromptInput("   ")));
        Assert.Contains("empty", empty.Message);
        // A load that fails on the way (here: no GPU on a test machine) keeps the model that was serving.
        var noGpu = await Assert.ThrowsAsync<SettingsException>(() => service.LoadAsync(Spec with { Device = new ComputeDevice(true, 0) }));
        Assert.Equal(SettingsField.Device, noGpu.Field);
        Assert.NotNull(service.Current);
        Assert.NotEmpty((await service.AnalyzeAsync(new PromptInput("still here"))).TokenIds);
    }

    [Fact]
    public async Task Promoted_tokens_come_from_the_loaded_sae_and_unembedding()
    {
        using var service = new LiveModelService();
        await service.LoadAsync(Spec);
        var results = await service.PromotedTokensAsync([0, 5], top: 3);
        Assert.Equal([0, 5], results.Select(r => r.Feature));
        Assert.All(results, r =>
        {
            Assert.Equal(3, r.Promoted.Count);
            Assert.True(r.Promoted[0].Logit >= r.Promoted[2].Logit);
            Assert.True(r.Suppressed[0].Logit <= r.Suppressed[2].Logit);
            Assert.True(r.Promoted[2].Logit > r.Suppressed[2].Logit);
        });
    }
}
