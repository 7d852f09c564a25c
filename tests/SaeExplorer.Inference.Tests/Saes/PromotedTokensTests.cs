using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Saes;

public sealed class PromotedTokensTests
{
    [Fact]
    public void Promoted_and_suppressed_tokens_are_the_extremes_of_decoder_row_times_unembedding()
    {
        using var sae = SaeFormats.Load(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), ScalarType.Float32, CPU);
        var result = Assert.Single(PromotedTokens.Compute(sae, FixturePaths.TinyModel, [7], top: 5));

        // The same dot products in plain C#, in double.
        using var dir = ModelDirectory.Open(FixturePaths.TinyModel);
        using var head = dir.ReadTensor("lm_head.weight", [128256, 32]);
        var unembed = head.to_type(ScalarType.Float32).data<float>().ToArray();
        var decoder = sae.DecoderWeight.contiguous().data<float>().ToArray();
        var row = decoder.AsSpan(7 * 32, 32).ToArray();
        var logits = Enumerable.Range(0, 128256).Select(t => Enumerable.Range(0, 32).Sum(d => (double)row[d] * unembed[t * 32 + d])).ToArray();
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(t => logits[t]).ToArray();

        Assert.Equal(order.Take(5), result.Promoted.Select(p => p.TokenId));
        Assert.Equal(order.Reverse().Take(5), result.Suppressed.Select(p => p.TokenId));
        Assert.Equal(logits[order[0]], result.Promoted[0].Logit, 1e-4);

        // The histogram covers the whole vocabulary, from the smallest logit to the largest, and bins like the same
        // values binned in double away from the bin edges.
        var bins = result.Bins!;
        Assert.Equal(128256, result.Counts.Sum());
        Assert.Equal(PromotedTokens.HistogramBinCount, result.Counts.Length);
        Assert.Equal(logits.Min(), bins.Start, 1e-4);
        Assert.Equal(logits.Max(), bins.End, 1e-4);
        var expected = new int[bins.Count];
        foreach (var v in logits)
            expected[Math.Clamp((int)((v - bins.Start) / bins.Size), 0, bins.Count - 1)]++;
        int moved = expected.Zip(result.Counts, (a, b) => Math.Abs(a - b)).Sum();
        Assert.True(moved <= 4, $"{moved} tokens in other bins than their double-precision logits put them");
    }

    [Fact]
    public void A_feature_outside_the_sae_is_refused_with_its_number_and_the_range()
    {
        using var sae = SaeFormats.Load(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), ScalarType.Float32, CPU);
        var e = Assert.Throws<ArgumentException>(() => PromotedTokens.Compute(sae, FixturePaths.TinyModel, [7, sae.DSae]));
        Assert.Contains($"feature {sae.DSae} is outside this SAE's latents, numbered 0 to {sae.DSae - 1}", e.Message);
        Assert.Throws<ArgumentException>(() => PromotedTokens.Compute(sae, FixturePaths.TinyModel, [-1]));
    }

    [Fact]
    public void A_checkpoint_without_lm_head_is_refused_by_name()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "no-head");
        var index = Path.Combine(dir, ModelDirectory.IndexFileName);
        File.WriteAllText(index, File.ReadAllText(index).Replace("\"lm_head.weight\"", "\"unused.lm_head\""));
        using var sae = SaeFormats.Load(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), ScalarType.Float32, CPU);
        var e = Assert.Throws<CheckpointException>(() => PromotedTokens.Compute(sae, dir, [7]));
        Assert.Equal("lm_head.weight", e.Tensor);
    }
}
