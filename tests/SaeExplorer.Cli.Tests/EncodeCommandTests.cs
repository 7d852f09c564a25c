using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

/// <summary>
/// saex encode on the golden activations themselves (golden_capture.safetensors uses saex capture's names), so that
/// JumpReLU thresholds and TopK boundaries see exactly the reference inputs.
/// </summary>
public sealed class EncodeCommandTests
{
    private static string Sae(string name) => Path.Combine(FixturePaths.Fixtures, "sae", name);
    private static string GoldenSae => Path.Combine(FixturePaths.Golden, "golden_sae.safetensors");

    public static TheoryData<string, string> Formats() => new()
    {
        { "goodfire_l2.pt", "goodfire" },
        { "saelens_jumprelu_l2", "saelens_jumprelu" },
        { "sparsify_topk_l2", "sparsify_topk" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Dense_output_matches_the_reference_features(string sae, string golden)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var output = Path.Combine(tmp.Path, "features.safetensors");
        var result = Saex.Run("encode", "--sae", Sae(sae), "--acts", FixturePaths.GoldenCapture, "--layer", "2", "--out", output, "--dense");
        Assert.True(result.ExitCode == 0, result.StdErr);

        using var file = SafetensorsFile.Open(output);
        Assert.Equal("256", file.Metadata["d_sae"]);
        // The reported L0 is the mean number of active latents per token over all prompts.
        var all = Enumerable.Range(0, Golden.PromptCount).Select(p => Golden.Floats(GoldenSae, $"p{p}.{golden}.features")).ToList();
        double l0 = all.Sum(f => f.Count(v => v != 0)) / (all.Sum(f => f.Length) / 256.0);
        Assert.Contains(FormattableString.Invariant($"L0 {l0:F1},"), result.StdErr);
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            var ours = Golden.Floats(file, $"p{p}.features");
            var expected = Golden.Floats(GoldenSae, $"p{p}.{golden}.features");
            Assert.True(Golden.MaxAbsDiff(ours, expected) <= 1e-5, $"p{p}");
            Assert.Equal(expected.Select(v => v != 0), ours.Select(v => v != 0));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Sparse_output_is_the_documented_csr_of_the_reference_features(string sae, string golden)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var output = Path.Combine(tmp.Path, "features.safetensors");
        var result = Saex.Run("encode", "--sae", Sae(sae), "--acts", FixturePaths.GoldenCapture, "--layer", "2", "--out", output);
        Assert.True(result.ExitCode == 0, result.StdErr);

        using var file = SafetensorsFile.Open(output);
        Assert.Equal("saex.features.csr.v1", file.Metadata["format"]);
        for (int p = 0; p < Golden.PromptCount; p++)
        {
            using var startsT = file.ReadTensor($"p{p}.features.row_starts");
            using var indicesT = file.ReadTensor($"p{p}.features.indices");
            Assert.Equal("I32", file[$"p{p}.features.indices"].DType);
            var starts = startsT.data<long>().ToArray().Select(x => (int)x).ToArray();
            var indices = indicesT.data<int>().ToArray();
            var values = Golden.Floats(file, $"p{p}.features.values");
            var matrix = new SparseFeatureMatrix(starts.Length - 1, 256, starts, indices, values);
            var expected = Golden.Floats(GoldenSae, $"p{p}.{golden}.features");
            Assert.Equal(expected.Count(v => v != 0), matrix.NonZeroCount);
            Assert.True(Golden.MaxAbsDiff(matrix.ToDense(), expected) <= 1e-5, $"p{p}");
        }
    }

    [Fact]
    public void A_layer_that_was_not_captured_is_named_with_the_ones_that_were()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var result = Saex.Run("encode", "--sae", Sae("goodfire_l2.pt"), "--acts", FixturePaths.GoldenCapture, "--layer", "7", "--out", Path.Combine(tmp.Path, "f.safetensors"));
        Saex.AssertRefused(result, "resid_post.7", "0, 1, 2, 3");
    }

    [Fact]
    public void An_sae_for_another_width_is_refused_with_both_numbers()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var acts = Path.Combine(tmp.Path, "wide.safetensors");
        SafetensorsWriter.WriteFloat32(acts, [("x.resid_post.2", [2, 64], new float[128])]);
        var result = Saex.Run("encode", "--sae", Sae("goodfire_l2.pt"), "--acts", acts, "--layer", "2", "--out", Path.Combine(tmp.Path, "f.safetensors"));
        Saex.AssertRefused(result, "32", "64");
    }
}
