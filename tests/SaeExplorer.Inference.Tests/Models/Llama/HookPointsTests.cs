using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Models.Llama;

/// <summary>Named hook points on the tiny fp32 model: reading, replacing (activation patching), detaching, no leaks.</summary>
public sealed class HookPointsTests(TinyLlamaFloat32 tiny) : IClassFixture<TinyLlamaFloat32>
{
    private LlamaForCausalLM Model => tiny.Model;

    /// <summary>The final-norm output [tokens, d] of one prompt, as floats.</summary>
    private float[] Run(int[] ids, int lastLayer = 3)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var batch = PackedBatch.Create([ids], CPU);
        return Model.Model.Forward(batch, lastLayer, applyFinalNorm: lastLayer == 3).data<float>().ToArray();
    }

    [Fact]
    public void The_points_are_named_as_transformer_lens_names_them_and_a_wrong_name_says_what_exists()
    {
        Assert.Equal(["hook_embed", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post", "blocks.2.hook_resid_post", "blocks.3.hook_resid_post"],
            Model.Hooks.Names);
        Assert.Same(Model.Hooks.ResidPost(2), Model.Hooks["blocks.2.hook_resid_post"]);
        Assert.Same(Model.Hooks.Embed, Model.Hooks["hook_embed"]);

        var unloaded = Assert.Throws<KeyNotFoundException>(() => Model.Hooks["blocks.9.hook_resid_post"]);
        Assert.Contains("layer 9 is not loaded (this instance holds layers 0..3)", unloaded.Message);
        var unknown = Assert.Throws<KeyNotFoundException>(() => Model.Hooks["blocks.1.hook_attn_out"]);
        Assert.Contains("there is no hook point 'blocks.1.hook_attn_out'", unknown.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Model.Hooks.ResidPost(4));
    }

    [Fact]
    public void An_observing_hook_sees_the_golden_residual_and_changes_nothing()
    {
        var ids = Golden.PromptIds[0];
        var plain = Run(ids);
        float[]? seen = null;
        float[] observed;
        using (Model.Hooks.ResidPost(1).Attach((h, context) =>
        {
            Assert.Equal("blocks.1.hook_resid_post", context.Point.Name);
            Assert.Equal(ids.Length, context.Batch.Lengths[0]);
            seen = h.data<float>().ToArray();
            return null;
        }))
        {
            observed = Run(ids);
        }
        Assert.Equal(plain, observed);
        Assert.True(Golden.MaxAbsDiff(seen!, Golden.Capture("p0.resid_post.1")) <= 1e-4);
    }

    [Fact]
    public void Patching_layer_1_with_another_prompts_residual_gives_that_prompts_later_layers_exactly()
    {
        var source = Golden.PromptIds[0];
        // The same length with other tokens after BOS: the patched run differs from the source only in what the hook replaces.
        var target = source.Select((id, i) => i == 0 ? id : (id + 7) % 1000 + 1).ToArray();
        float[]? sourceResid = null;
        using (Model.Hooks.ResidPost(1).Attach((h, _) =>
        {
            sourceResid = h.data<float>().ToArray();
            return null;
        }))
        {
            Run(source);
        }
        var sourceOutput = Run(source);
        var targetOutput = Run(target);
        Assert.NotEqual(sourceOutput, targetOutput);

        float[] patched;
        using (Model.Hooks.ResidPost(1).Attach((h, _) => tensor(sourceResid!, h.shape, dtype: h.dtype)))
            patched = Run(target);

        Assert.Equal(sourceOutput, patched);
    }

    [Fact]
    public void A_detached_hook_is_not_called_and_a_misshapen_replacement_is_refused_by_name()
    {
        int calls = 0;
        var handle = Model.Hooks.Embed.Attach((_, _) =>
        {
            calls++;
            return null;
        });
        Run(Golden.PromptIds[1]);
        handle.Dispose();
        Run(Golden.PromptIds[1]);
        Assert.Equal(1, calls);

        using (Model.Hooks.ResidPost(0).Attach((h, _) => h[TensorIndex.Slice(0, 1)].clone()))
        {
            var e = Assert.Throws<InvalidOperationException>(() => Run(Golden.PromptIds[1]));
            Assert.Contains("a hook at blocks.0.hook_resid_post returned", e.Message);
        }
        // The refused replacement left no hook behind.
        Assert.Equal(Run(Golden.PromptIds[1]), Run(Golden.PromptIds[1]));
    }

    [Fact]
    public void Replacing_hooks_leak_no_tensors()
    {
        var ids = Golden.PromptIds[2];
        using var handle = Model.Hooks.ResidPost(2).Attach((h, _) => h * 0.5f);
        Run(ids);
        DisposeScopeManager.Statistics.Reset();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
            Run(ids);
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
