using System.Text.Json.Nodes;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Tests;

namespace SaeExplorer.Inference.Tests.Saes;

/// <summary>SAELens and sparsify configs checked by type and range (the hardening issue, item 5): a bad value is named, not dropped.</summary>
public sealed class SaeConfigValidationTests
{
    private static string Copy(TempDirectory tmp, string fixture, string? layerFolder, Action<JsonObject> edit)
    {
        var source = Path.Combine(FixturePaths.Fixtures, "sae", fixture);
        var dir = tmp.Copy(source, fixture);
        if (layerFolder is not null)
            tmp.Copy(Path.Combine(source, layerFolder), Path.Combine(fixture, layerFolder));
        var cfgPath = Path.Combine(layerFolder is null ? dir : Path.Combine(dir, layerFolder), "cfg.json");
        var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        edit(cfg);
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        return dir;
    }

    [Theory]
    [InlineData("k", "1.5", "'k' is 1.5, not a whole number")]
    [InlineData("d_sae", "1e12", "'d_sae' is 1e12, not a whole number")]
    [InlineData("d_sae", "512", "'d_sae' is 512 but W_enc [32, 256] gives 256; the config belongs to another SAE")]
    [InlineData("d_in", "-3", "'d_in' is -3 but W_enc [32, 256] gives 32")]
    [InlineData("hook_layer", "\"two\"", null)]
    public void A_saelens_config_value_of_the_wrong_type_or_range_is_named(string key, string json, string? expected)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = Copy(tmp, "saelens_jumprelu_l2", null, cfg =>
        {
            cfg[key] = JsonNode.Parse(json);
            if (key == "k")
                cfg["architecture"] = "topk";
        });
        if (expected is null)
        {
            // A hook_layer that is not a number is ignored in favour of hook_name, which says layer 2.
            Assert.Equal(2, SaeFormats.Resolve(dir, 2).HookLayer);
            return;
        }
        var e = Assert.Throws<CheckpointException>(() =>
        {
            var source = SaeFormats.Resolve(dir, 2);
            using var sae = SaeFormats.Load(source, TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU);
        });
        Assert.Contains(Path.Combine(dir, "cfg.json"), e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Sparsify_num_latents_zero_means_from_the_weights_and_a_contradiction_is_named()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var zero = Copy(tmp, "sparsify_topk_l2", "layers.2", cfg => cfg["num_latents"] = 0);
        Assert.Equal(256, SaeFormats.Resolve(zero, 2).DSae);
        using var tmp2 = FixturePaths.NewTempDirectory();
        var wrong = Copy(tmp2, "sparsify_topk_l2", "layers.2", cfg => cfg["num_latents"] = 100);
        Assert.Contains("'num_latents' is 100 but encoder.weight [256, 32] gives 256", Assert.Throws<CheckpointException>(() => SaeFormats.Resolve(wrong, 2)).Message);
    }
}
