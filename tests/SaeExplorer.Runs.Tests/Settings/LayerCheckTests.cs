using SaeExplorer.Core.Experiments;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Runs.Sources;

namespace SaeExplorer.Runs.Tests.Settings;

public sealed class LayerCheckTests
{
    private static ModelSource Model(int width = 32, int layers = 4) => new("/models/tiny", width, layers, 128256, 8192, () => "model-fp");

    private static SaeSource Sae(int dIn = 32, int dSae = 256, int? hookLayer = null, string? hookName = null) =>
        new("saelens", "/saes/sae", "/saes/sae", ["/saes/sae/cfg.json"], dIn, dSae, "jumprelu", hookLayer, hookName, () => "sae-fp");

    [Fact]
    public void Settings_that_fit_give_no_problem_and_the_layer()
    {
        Assert.Empty(LayerCheck.Problems(Model(), Sae(hookLayer: 2, hookName: "blocks.2.hook_resid_post"), 2));
        Assert.Equal(2, LayerCheck.Ensure(Model(), Sae(), 2));
    }

    [Fact]
    public void An_sae_trained_on_another_layer_is_a_layer_problem_naming_both_unless_forced()
    {
        var sae = Sae(hookLayer: 3, hookName: "blocks.3.hook_resid_post");
        var problem = Assert.Single(LayerCheck.Problems(Model(), sae, 2));
        Assert.Equal(SettingsField.Layer, problem.Field);
        Assert.Equal("the SAE /saes/sae was trained on layer 3 (blocks.3.hook_resid_post) but layer 2 was asked for; " +
            "use layer 3, or force layer 2 (--force-layer) if you mean to read another layer.", problem.Message);
        Assert.Empty(LayerCheck.Problems(Model(), sae, 2, forceLayer: true));
        Assert.Equal(problem.Message, Assert.Throws<SettingsException>(() => LayerCheck.Ensure(Model(), sae, 2)).Message);
    }

    [Fact]
    public void Each_problem_is_reported_once_under_its_field()
    {
        Assert.Equal([SettingsField.Layer], LayerCheck.Problems(Model(), Sae(), null).Select(p => p.Field));
        Assert.Equal("layer 4 does not exist: /models/tiny has decoder layers 0..3.", Assert.Single(LayerCheck.Problems(Model(), Sae(), 4)).Message);
        Assert.Equal("layer -1 does not exist: layers count from 0.", Assert.Single(LayerCheck.Problems(null, null, -1)).Message);
        var width = Assert.Single(LayerCheck.Problems(Model(width: 64), Sae(), 2));
        Assert.Equal((SettingsField.Sae, "the SAE /saes/sae reads width 32 but /models/tiny has a residual stream 64 wide; it was trained on another model."),
            (width.Field, width.Message));
    }

    [Fact]
    public void A_preset_checks_model_and_sae_first_and_then_its_layer()
    {
        var preset = SaePresets.Get("llama-3.3-70b-l50");
        var problems = LayerCheck.Problems(Model(), Sae(), 2, preset);
        Assert.Equal([SettingsField.Model, SettingsField.Sae, SettingsField.Layer], problems.Select(p => p.Field));
        Assert.Contains("is not meta-llama/Llama-3.3-70B-Instruct", problems[0].Message);
        Assert.Contains("it maps 32 → 256, the preset needs 8192 → 65536", problems[1].Message);
        Assert.Contains("layer 2 contradicts preset llama-3.3-70b-l50, whose SAE reads layer 50", problems[2].Message);
        Assert.Empty(LayerCheck.Problems(Model(8192, 80), Sae(8192, 65536), 50, preset));
    }

    [Fact]
    public void A_capture_checks_each_layer_it_reads()
    {
        LayerCheck.EnsureExist(Model(), [0, 3]);
        var e = Assert.Throws<SettingsException>(() => LayerCheck.EnsureExist(Model(), [1, 7, 9]));
        Assert.Equal("layer 7 does not exist: /models/tiny has decoder layers 0..3.", e.Message);
    }
}
