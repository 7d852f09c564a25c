using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Tests;
using SaeExplorer.Web.Application.Models;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>Settings are checked against the files' headers, each problem attached to its field, before anything loads.</summary>
public sealed class ModelSettingsValidationTests : IDisposable
{
    private readonly LiveModelService _models = new();
    private readonly ModelSettingsHandler _handler;

    public ModelSettingsValidationTests()
    {
        var paths = new PathPolicy([FixturePaths.Fixtures]);
        _handler = new ModelSettingsHandler(paths, new ModelHost(_models, Options.Create(new SaeExplorerOptions()), paths, NullLogger<ModelHost>.Instance));
    }

    private static string Sae => Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");

    private IReadOnlyList<SettingsProblem> Validate(ModelSettings settings) => _handler.Validate(settings, out _);

    [Fact]
    public void Valid_settings_give_a_spec_and_no_problems()
    {
        var problems = _handler.Validate(new ModelSettings(FixturePaths.TinyModel, Sae, 2, "cpu", "float32", null), out var spec);
        Assert.Empty(problems);
        Assert.NotNull(spec);
        Assert.Equal((FixturePaths.TinyModel, Sae, 2, ComputeDevice.Cpu, ComputeDType.Float32),
            (spec.Model.Directory, spec.Sae.Path, spec.Layer, spec.Device, spec.DType));
        Assert.Equal((32, 4, 32, 256), (spec.Model.HiddenSize, spec.Model.LayerCount, spec.Sae.DIn, spec.Sae.DSae));
    }

    [Fact]
    public void Each_problem_names_its_field_and_the_fix()
    {
        var layer = Assert.Single(Validate(new ModelSettings(FixturePaths.TinyModel, Sae, 7, "cpu", "float32", null)));
        Assert.Equal(("layer", $"layer 7 does not exist: {FixturePaths.TinyModel} has decoder layers 0..3."), (layer.Field, layer.Message));

        var noConfig = Validate(new ModelSettings(Path.Combine(FixturePaths.Fixtures, "sae"), Sae, 2, "cpu", "float32", null));
        Assert.Contains(noConfig, p => p.Field == "model" && p.Message.Contains("has no config.json"));

        var outside = Validate(new ModelSettings("/etc", Sae, 2, "cpu", "float32", null));
        Assert.Contains(outside, p => p.Field == "model" && p.Message.Contains("outside the folders this dashboard may read"));

        var notSae = Validate(new ModelSettings(FixturePaths.TinyModel, FixturePaths.TinyModel, 2, "cpu", "float32", null));
        Assert.Contains(notSae, p => p.Field == "sae" && p.Message.Contains("no SAE found"));

        var device = Validate(new ModelSettings(FixturePaths.TinyModel, Sae, 2, "tpu", "float16", null));
        Assert.Contains(device, p => p.Field == "device" && p.Message.Contains("unknown device 'tpu'"));
        Assert.Contains(device, p => p.Field == "dtype" && p.Message.Contains("unknown dtype 'float16'"));

        var missing = Validate(new ModelSettings(null, "", null, "cpu", "float32", null));
        Assert.Equal(["model", "sae", "layer"], missing.Select(p => p.Field));
    }

    [Fact]
    public void A_preset_fills_the_layer_and_refuses_a_model_of_another_width()
    {
        var problems = Validate(new ModelSettings(FixturePaths.TinyModel, Sae, null, "cpu", "float32", "llama-3.3-70b-l50"));
        Assert.Contains(problems, p => p.Field == "layer" && p.Message.Contains("layer 50 does not exist"));
        Assert.Contains(problems, p => p.Field == "sae" && p.Message.Contains("is not Goodfire/Llama-3.3-70B-Instruct-SAE-l50: it maps 32 → 256, the preset needs 8192 → 65536"));
        Assert.Contains(problems, p => p.Field == "model" && p.Message.Contains("it has hidden size 32 and 4 layers, the preset needs 8192 and 80"));
    }

    [Fact]
    public void A_saelens_sae_trained_on_another_layer_is_a_layer_problem_naming_both()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var sae = Path.Combine(tmp.Path, "saelens-l3");
        Directory.CreateDirectory(sae);
        foreach (var file in Directory.GetFiles(Path.Combine(FixturePaths.Fixtures, "sae", "saelens_jumprelu_l2")))
            File.Copy(file, Path.Combine(sae, Path.GetFileName(file)));
        var cfg = Path.Combine(sae, "cfg.json");
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("blocks.2.hook_resid_post", "blocks.3.hook_resid_post").Replace("\"hook_layer\": 2", "\"hook_layer\": 3"));
        var handler = new ModelSettingsHandler(new PathPolicy([FixturePaths.Fixtures, tmp.Path]), null!);

        var problem = Assert.Single(handler.Validate(new ModelSettings(FixturePaths.TinyModel, sae, 1, "cpu", "float32", null), out var spec));
        Assert.Null(spec);
        Assert.Equal("layer", problem.Field);
        Assert.Contains("trained on layer 3 (blocks.3.hook_resid_post) but layer 1 was asked for", problem.Message);
        Assert.Empty(handler.Validate(new ModelSettings(FixturePaths.TinyModel, sae, 3, "cpu", "float32", null), out _));
    }

    public void Dispose() => _models.Dispose();
}
