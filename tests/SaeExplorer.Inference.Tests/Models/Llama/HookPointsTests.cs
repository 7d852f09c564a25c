using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Models.Llama;

/// <summary>The hook points of the fp32 tiny model: names, capture, interventions, handles, and tensor lifetimes.</summary>
public sealed class HookPointsTests(TinyLlamaFloat32 tiny) : IClassFixture<TinyLlamaFloat32>
{
    private const double Float32Tolerance = 1e-4;
    private static readonly int[] AllLayers = [0, 1, 2, 3];

    private LlamaForCausalLM Model => tiny.Model;

    /// <summary>Runs the pass on the prompts and returns, per hook point name, a float32 host copy of what it saw.</summary>
    private Dictionary<string, float[]> Observe(IReadOnlyList<int[]> prompts, int lastLayer, IEnumerable<HookPoint> points)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var batch = PackedBatch.Create(prompts, CPU);
        var seen = new Dictionary<string, float[]>();
        var handles = points.Select(p => p.Attach((h, context) =>
        {
            seen[context.Point.Name] = h.to_type(ScalarType.Float32).data<float>().ToArray();
            return null;
        })).ToList();
        try
        {
            Model.Model.Forward(batch, lastLayer, applyFinalNorm: false);
        }
        finally
        {
            handles.ForEach(h => h.Dispose());
        }
        return seen;
    }

    private float[] Output(IReadOnlyList<int[]> prompts, int lastLayer, bool applyFinalNorm = false)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var batch = PackedBatch.Create(prompts, CPU);
        return Model.Model.Forward(batch, lastLayer, applyFinalNorm).data<float>().ToArray();
    }

    private IEnumerable<HookPoint> ResidPosts => AllLayers.Select(l => Model.Hooks.ResidPost(l));

    [Fact]
    public void Every_loaded_layer_has_a_resid_post_point_after_hook_embed()
    {
        Assert.Equal(["hook_embed", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post", "blocks.2.hook_resid_post", "blocks.3.hook_resid_post"],
            Model.Hooks.Names);
        Assert.Same(Model.Hooks.Embed, Model.Hooks["hook_embed"]);
        foreach (var layer in AllLayers)
        {
            Assert.Same(Model.Hooks.ResidPost(layer), Model.Hooks[$"blocks.{layer}.hook_resid_post"]);
            Assert.Equal(HookPoints.ResidPostName(layer), Model.Hooks.ResidPost(layer).Name);
        }
        Assert.Same(Model.Model.Hooks, Model.Hooks);
    }

    [Fact]
    public void Unknown_names_and_layers_that_were_not_loaded_fail_with_the_reason()
    {
        using var shallow = LlamaForCausalLM.Load(FixturePaths.TinyModel, 1, withHead: false, ScalarType.Float32, CPU);
        Assert.Equal(["hook_embed", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post"], shallow.Hooks.Names);

        var byName = Assert.Throws<KeyNotFoundException>(() => shallow.Hooks["blocks.2.hook_resid_post"]);
        Assert.Contains("layer 2 is not loaded", byName.Message);
        Assert.Contains("0..1", byName.Message);
        var byLayer = Assert.Throws<ArgumentOutOfRangeException>(() => shallow.Hooks.ResidPost(2));
        Assert.Contains("blocks.2.hook_resid_post", byLayer.Message);
        Assert.Contains("0..1", byLayer.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => shallow.Hooks.ResidPost(-1));

        var unknown = Assert.Throws<KeyNotFoundException>(() => shallow.Hooks["blocks.0.hook_resid_pre"]);
        Assert.Contains("no hook point 'blocks.0.hook_resid_pre'", unknown.Message);
        Assert.Contains("hook_embed", unknown.Message);

        using var embeddingOnly = LlamaForCausalLM.Load(FixturePaths.TinyModel, -1, withHead: false, ScalarType.Float32, CPU);
        Assert.Equal(["hook_embed"], embeddingOnly.Hooks.Names);
        Assert.Contains("no decoder layers", Assert.Throws<KeyNotFoundException>(() => embeddingOnly.Hooks["blocks.0.hook_resid_post"]).Message);
    }

    [Fact]
    public void A_capture_through_the_hooks_is_what_each_layer_returns_and_matches_the_goldens()
    {
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            var seen = Observe([Golden.PromptIds[p]], 3, ResidPosts.Prepend(Model.Hooks.Embed));
            Assert.True(Golden.MaxAbsDiff(seen["hook_embed"], Golden.Capture($"p{p}.embed")) <= Float32Tolerance);
            var captured = new ResidualCapture(Model).Run([Golden.PromptIds[p]], AllLayers, batchSize: 1).Single();
            foreach (var layer in AllLayers)
            {
                var hooked = seen[HookPoints.ResidPostName(layer)];
                // Bit for bit what a pass stopping at that layer returns, and what ResidualCapture hands out.
                Assert.Equal(Output([Golden.PromptIds[p]], layer), hooked);
                Assert.Equal(captured.ResidPost[layer], hooked);
                Assert.True(Golden.MaxAbsDiff(hooked, Golden.Capture($"p{p}.resid_post.{layer}")) <= Float32Tolerance, $"p{p} layer {layer}");
            }
        }
    }

    [Fact]
    public void Observing_hooks_leave_every_output_bit_identical()
    {
        var prompts = Golden.PromptIds.Take(3).ToList();
        var plain = Output(prompts, 3, applyFinalNorm: true);
        Assert.Equal(prompts.Sum(p => p.Length) * Model.Config.HiddenSize, plain.Length);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var batch = PackedBatch.Create(prompts, CPU);
        int calls = 0;
        var handles = ResidPosts.Prepend(Model.Hooks.Embed).Select(p => p.Attach((h, _) =>
        {
            calls++;
            // Work on the activation that must not disturb it: reductions and a copy.
            h.sum().item<float>();
            h.to_type(ScalarType.Float64).Dispose();
            return null;
        })).ToList();
        float[] hooked;
        try
        {
            hooked = Model.Model.Forward(batch, 3, applyFinalNorm: true).data<float>().ToArray();
        }
        finally
        {
            handles.ForEach(h => h.Dispose());
        }
        Assert.Equal(5, calls);
        Assert.Equal(plain, hooked);
    }

    [Fact]
    public void A_replacement_at_layer_0_is_what_the_later_layers_run_on()
    {
        // Prompt b's resid_post of layer 0, put in place of prompt a's (same length: b cut to a's), makes layers 1..3
        // compute exactly what they compute for b: they see only the residual and the positions.
        var a = Golden.PromptIds[0];
        var b = Golden.PromptIds[1][..a.Length];
        Assert.NotEqual(a, b);
        var ofB = Observe([b], 3, ResidPosts);
        var unchanged = Observe([a], 3, ResidPosts);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var batch = PackedBatch.Create([a], CPU);
        var swapped = new Dictionary<string, float[]>();
        var handles = new List<IDisposable>
        {
            Model.Hooks.ResidPost(0).Attach((h, _) => tensor(ofB[HookPoints.ResidPostName(0)], h.shape)),
        };
        handles.AddRange(AllLayers.Skip(1).Select(l => Model.Hooks.ResidPost(l).Attach((h, context) =>
        {
            swapped[context.Point.Name] = h.data<float>().ToArray();
            return null;
        })));
        try
        {
            Model.Model.Forward(batch, 3, applyFinalNorm: false);
        }
        finally
        {
            handles.ForEach(h => h.Dispose());
        }

        foreach (var layer in AllLayers.Skip(1))
        {
            var name = HookPoints.ResidPostName(layer);
            Assert.Equal(ofB[name], swapped[name]);
            Assert.True(Golden.MaxAbsDiff(unchanged[name], swapped[name]) > 1e-3, $"layer {layer} must change");
        }
    }

    [Fact]
    public void Zeroing_resid_post_at_layer_0_gives_what_layer_1_makes_of_zeros()
    {
        // A decoder layer maps zeros to zeros: RMSNorm of 0 is 0, the projections have no bias, silu(0) · 0 = 0.
        var prompt = Golden.PromptIds[2];
        var before = Output([prompt], 1);
        using var zero = Model.Hooks.ResidPost(0).Attach((h, _) => zeros_like(h));
        var after = Output([prompt], 1);
        Assert.All(after, v => Assert.Equal(0f, v));
        Assert.Contains(before, v => v != 0f);
    }

    [Fact]
    public void The_context_lets_an_intervention_touch_one_prompt_of_a_batch_only()
    {
        var prompts = new[] { Golden.PromptIds[0], Golden.PromptIds[3] };
        int d = Model.Config.HiddenSize;
        var plain = Output(prompts, 3);
        float[] steered;
        using (Model.Hooks.ResidPost(1).Attach((h, context) =>
        {
            var batch = context.Batch;
            Assert.Equal(h.shape[0], batch.TokenCount);
            Assert.Same(Model.Hooks.ResidPost(1), context.Point);
            h.narrow(0, batch.Offsets[1], batch.Lengths[1]).add_(1f);
            return h;
        }))
        {
            steered = Output(prompts, 3);
        }
        int firstOfSecond = prompts[0].Length * d;
        Assert.Equal(plain[..firstOfSecond], steered[..firstOfSecond]);
        Assert.True(Golden.MaxAbsDiff(plain[firstOfSecond..], steered[firstOfSecond..]) > 1e-3, "the second prompt must change");
    }

    [Fact]
    public void A_replacement_of_another_shape_is_refused_by_the_point_name()
    {
        using var wrong = Model.Hooks.ResidPost(2).Attach((h, _) => zeros(h.shape[0], h.shape[1] + 1));
        var e = Assert.Throws<InvalidOperationException>(() => Output([Golden.PromptIds[0]], 3));
        Assert.Contains("blocks.2.hook_resid_post", e.Message);
    }

    [Fact]
    public void A_disposed_handle_detaches_its_hook_only()
    {
        int first = 0, second = 0, deeper = 0;
        var handle = Model.Hooks.ResidPost(1).Attach((_, _) => { first++; return null; });
        using var other = Model.Hooks.ResidPost(1).Attach((_, _) => { second++; return null; });
        using var beyond = Model.Hooks.ResidPost(3).Attach((_, _) => { deeper++; return null; });
        Output([Golden.PromptIds[0]], 2);
        handle.Dispose();
        handle.Dispose();
        Output([Golden.PromptIds[0]], 2);
        Assert.Equal(1, first);
        Assert.Equal(2, second);
        // The pass stopped at layer 2: layer 3's point was never reached.
        Assert.Equal(0, deeper);
    }

    [Fact]
    public void A_hook_may_detach_itself_while_it_runs()
    {
        int calls = 0;
        IDisposable? handle = null;
        handle = Model.Hooks.Embed.Attach((_, _) =>
        {
            calls++;
            handle!.Dispose();
            return null;
        });
        Output([Golden.PromptIds[0]], 0);
        Output([Golden.PromptIds[0]], 0);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Hooked_passes_do_not_leak_tensors()
    {
        void Run()
        {
            using var replace = Model.Hooks.ResidPost(1).Attach((h, _) => h * 0.5f);
            using var inPlace = Model.Hooks.ResidPost(2).Attach((h, _) => h.mul_(2f));
            Observe(Golden.PromptIds, 3, ResidPosts.Prepend(Model.Hooks.Embed));
        }
        Run();
        DisposeScopeManager.Statistics.Reset();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
            Run();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
