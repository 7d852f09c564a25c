using SaeExplorer.Inference.Saes;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Saes;

/// <summary>Each SAE format against the reference libraries' features on the golden resid_post.2 (see fixtures README).</summary>
public sealed class SaeGoldenTests
{
    private const double FeatureTolerance = 1e-5;

    // Measured 2026-11-26 over the 10 golden prompts (CPU): bf16 flipped 275 of 15,396 active flags (1.8%), every one a
    // latent whose float32 pre-activation lay within 5.4e-3 of zero, and moved the other values by at most 5.3e-3
    // (both relative to the largest pre-activation). The bounds allow twice that.
    private const double BfloatFlipBand = 0.01;
    private const double BfloatValueBound = 0.01;
    private static string GoldenSae => Path.Combine(FixturePaths.Golden, "golden_sae.safetensors");
    private static string SaeDir => Path.Combine(FixturePaths.Fixtures, "sae");

    public static TheoryData<string, string, string> Formats() => new()
    {
        { "goodfire_l2.pt", "goodfire", "standard" },
        { "saelens_jumprelu_l2", "saelens_jumprelu", "jumprelu" },
        { Path.Combine("sparsify_topk_l2", "layers.2"), "sparsify_topk", "topk" },
    };

    private static Tensor GoldenActivations(int prompt)
    {
        var data = Golden.Capture($"p{prompt}.resid_post.2");
        return tensor(data, [data.Length / 32, 32]);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Dense_features_match_the_reference_with_identical_active_sets(string file, string golden, string architecture)
    {
        using var sae = SaeFormats.Load(Path.Combine(SaeDir, file), ScalarType.Float32, CPU);
        Assert.Equal(architecture, sae.Config.Architecture);
        Assert.Equal(32, sae.DIn);
        Assert.Equal(256, sae.DSae);
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            using var x = GoldenActivations(p);
            using var f = sae.Encode(x);
            var ours = f.data<float>().ToArray();
            var expected = Golden.Floats(GoldenSae, $"p{p}.{golden}.features");
            double diff = Golden.MaxAbsDiff(ours, expected);
            Assert.True(diff <= FeatureTolerance, $"p{p} {golden}: max |diff| {diff:E2}");
            for (int i = 0; i < ours.Length; i++)
                Assert.True((ours[i] != 0) == (expected[i] != 0), $"p{p} {golden}: token {i / 256} latent {i % 256} active {ours[i] != 0} vs reference {expected[i] != 0}");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Sparse_encoding_equals_the_dense_golden(string file, string golden, string architecture)
    {
        _ = architecture;
        using var sae = SaeFormats.Load(Path.Combine(SaeDir, file), ScalarType.Float32, CPU);
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            using var x = GoldenActivations(p);
            // A chunk size that does not divide the token count exercises the chunk seams.
            var sparse = sae.EncodeSparse(x, chunkTokens: 7);
            var expected = Golden.Floats(GoldenSae, $"p{p}.{golden}.features");
            Assert.Equal((int)x.shape[0], sparse.TokenCount);
            Assert.Equal(expected.Count(v => v != 0), sparse.NonZeroCount);
            Assert.True(Golden.MaxAbsDiff(sparse.ToDense(), expected) <= FeatureTolerance);
        }
    }

    [Fact]
    public void Topk_keeps_exactly_k_latents_per_token()
    {
        using var sae = SaeFormats.Load(Path.Combine(SaeDir, "sparsify_topk_l2"), ScalarType.Float32, CPU, layer: 2);
        Assert.Equal(16, sae.Config.K);
        using var x = GoldenActivations(0);
        var sparse = sae.EncodeSparse(x);
        Assert.All(Enumerable.Range(0, sparse.TokenCount), t => Assert.InRange(sparse.ActiveCount(t), 1, 16));
    }

    [Fact]
    public void Goodfire_reconstruction_matches_and_quality_is_reported()
    {
        using var sae = SaeFormats.Load(Path.Combine(SaeDir, "goodfire_l2.pt"), ScalarType.Float32, CPU);
        using var x = GoldenActivations(3);
        using var f = sae.Encode(x);
        using var xHat = sae.Decode(f);
        Assert.True(Golden.MaxAbsDiff(xHat.data<float>().ToArray(), Golden.Floats(GoldenSae, "p3.goodfire.reconstruction")) <= FeatureTolerance);

        var q = sae.Evaluate(x);
        // Recompute the three figures by hand from the goldens.
        var xs = Golden.Capture("p3.resid_post.2");
        var rec = Golden.Floats(GoldenSae, "p3.goodfire.reconstruction");
        var feats = Golden.Floats(GoldenSae, "p3.goodfire.features");
        int tokens = xs.Length / 32;
        double sq = 0, centred = 0;
        for (int d = 0; d < 32; d++)
        {
            double mean = Enumerable.Range(0, tokens).Average(t => xs[t * 32 + d]);
            for (int t = 0; t < tokens; t++)
            {
                sq += Math.Pow(xs[t * 32 + d] - rec[t * 32 + d], 2);
                centred += Math.Pow(xs[t * 32 + d] - mean, 2);
            }
        }
        Assert.Equal(tokens, q.Tokens);
        Assert.Equal(sq / xs.Length, q.Mse, 1e-4 * (sq / xs.Length));
        Assert.Equal(1 - sq / centred, q.FractionOfVarianceExplained, 1e-4);
        Assert.Equal(feats.Count(v => v != 0) / (double)tokens, q.L0, 1e-9);
    }

    [Fact]
    public void Quality_accumulated_prompt_by_prompt_equals_quality_over_all_tokens_at_once()
    {
        using var sae = SaeFormats.Load(Path.Combine(SaeDir, "goodfire_l2.pt"), ScalarType.Float32, CPU);
        var stats = new ReconstructionStatistics(sae.DIn);
        var all = new List<float>();
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            using var x = GoldenActivations(p);
            sae.EncodeSparse(x, quality: stats);
            all.AddRange(x.data<float>().ToArray());
        }
        using var everything = tensor(all.ToArray(), [all.Count / 32, 32]);
        var whole = sae.Evaluate(everything);
        var accumulated = stats.Result();
        Assert.Equal(whole.Tokens, accumulated.Tokens);
        Assert.Equal(whole.L0, accumulated.L0, 1e-12);
        Assert.Equal(whole.Mse, accumulated.Mse, 1e-6 * whole.Mse);
        Assert.Equal(whole.FractionOfVarianceExplained, accumulated.FractionOfVarianceExplained, 1e-6);
    }

    [Fact]
    public void Bfloat16_encoding_flips_only_latents_whose_preactivation_is_near_zero()
    {
        using var bf16 = SaeFormats.Load(Path.Combine(SaeDir, "goodfire_l2.pt"), ScalarType.BFloat16, CPU);
        using var fp32 = SaeFormats.Load(Path.Combine(SaeDir, "goodfire_l2.pt"), ScalarType.Float32, CPU);
        Assert.Equal(ScalarType.BFloat16, bf16.DType);
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            using var x = GoldenActivations(p);
            var dense = bf16.EncodeSparse(x).ToDense();
            var expected = Golden.Floats(GoldenSae, $"p{p}.goodfire.features");
            using var preTensor = fp32.PreActivations(x);
            var pre = preTensor.data<float>().ToArray();
            double scale = Golden.MaxAbs(pre);
            for (int i = 0; i < dense.Length; i++)
            {
                if ((dense[i] != 0) != (expected[i] != 0))
                    Assert.True(Math.Abs(pre[i]) <= BfloatFlipBand * scale, $"p{p}: latent {i % 256} flipped with pre-activation {pre[i]} (max {scale})");
                else
                    Assert.True(Math.Abs(dense[i] - expected[i]) <= BfloatValueBound * scale, $"p{p}: latent {i % 256} value {dense[i]} vs {expected[i]}");
            }
        }
    }
}
