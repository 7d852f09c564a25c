using SaeExplorer.Inference.Saes;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Saes;

public sealed class DecoderNeighboursTests
{
    [Fact]
    public void Neighbours_are_the_largest_decoder_cosines_computed_in_double()
    {
        using var sae = SaeFormats.Load(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), ScalarType.Float32, CPU);
        var neighbours = DecoderNeighbours.Compute(sae, 7, top: 5);

        var decoder = sae.DecoderWeight.contiguous().data<float>().ToArray();
        int d = (int)sae.DecoderWeight.shape[1];
        double[] Row(int f) => decoder.AsSpan(f * d, d).ToArray().Select(v => (double)v).ToArray();
        double Cosine(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(x => x * x));
        var own = Row(7);
        var cosines = Enumerable.Range(0, sae.DSae).Where(g => g != 7).Select(g => (g, c: Cosine(own, Row(g)))).OrderByDescending(x => x.c).ToArray();

        Assert.Equal(cosines.Take(5).Select(x => x.g), neighbours.Select(n => n.Feature));
        for (int i = 0; i < 5; i++)
            Assert.Equal(cosines[i].c, neighbours[i].Cosine, 1e-5);
        Assert.DoesNotContain(neighbours, n => n.Feature == 7);
    }

    [Fact]
    public void A_feature_outside_the_sae_is_refused_with_the_range()
    {
        using var sae = SaeFormats.Load(Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt"), ScalarType.Float32, CPU);
        var e = Assert.Throws<ArgumentException>(() => DecoderNeighbours.Compute(sae, sae.DSae));
        Assert.Contains($"numbered 0 to {sae.DSae - 1}", e.Message);
    }
}
