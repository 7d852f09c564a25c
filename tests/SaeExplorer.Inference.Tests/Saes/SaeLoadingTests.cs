using SaeExplorer.Runs.Settings;
using System.IO.Compression;
using System.Text;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Inference.Saes.Formats;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Saes;

public sealed class SaeLoadingTests
{
    private static string SaeDir => Path.Combine(FixturePaths.Fixtures, "sae");

    /// <summary>A torch-style zip whose data.pkl is <paramref name="pickle"/>, plus the given storages.</summary>
    internal static string WriteTorchZip(string dir, byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        var path = Path.Combine(dir, "crafted.pt");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string name, byte[] bytes)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(bytes);
        }
        Add("crafted/data.pkl", pickle);
        Add("crafted/byteorder", Encoding.ASCII.GetBytes("little"));
        foreach (var (key, data) in storages)
            Add($"crafted/data/{key}", data);
        return path;
    }

    [Fact]
    public void A_pickle_that_calls_os_system_is_refused_not_run()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var marker = Path.Combine(tmp.Path, "pwned");
        // protocol-0 pickle of os.system("touch <marker>")
        var pickle = Encoding.ASCII.GetBytes($"cos\nsystem\n(S'touch {marker}'\ntR.");
        var path = WriteTorchZip(tmp.Path, pickle);

        var e = Assert.Throws<CheckpointException>(() => SaeFormats.Load(path, ScalarType.Float32, CPU));

        Assert.Contains("os.system", e.Message);
        Assert.Contains(path, e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Object_building_opcodes_are_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        // '(' MARK, 'i' INST builtins object: constructs an arbitrary class instance in Python.
        var path = WriteTorchZip(tmp.Path, Encoding.ASCII.GetBytes("(ibuiltins\nobject\n."));
        var e = Assert.Throws<CheckpointException>(() => TorchCheckpointReader.ReadStateDict(path));
        Assert.Contains("not allowed", e.Message);
    }

    [Fact]
    public void The_goodfire_fixture_reads_as_four_float32_tensors()
    {
        var tensors = TorchCheckpointReader.ReadStateDict(Path.Combine(SaeDir, "goodfire_l2.pt"));
        try
        {
            Assert.Equal(["decoder_linear.bias", "decoder_linear.weight", "encoder_linear.bias", "encoder_linear.weight"], tensors.Keys.Order());
            Assert.Equal([256L, 32L], tensors["encoder_linear.weight"].shape);
            Assert.Equal([32L, 256L], tensors["decoder_linear.weight"].shape);
            Assert.All(tensors.Values, t => Assert.Equal(ScalarType.Float32, t.dtype));
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
    }

    [Fact]
    public void A_storage_shorter_than_its_header_says_is_reported()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var source = Path.Combine(SaeDir, "goodfire_l2.pt");
        var path = Path.Combine(tmp.Path, "short.pt");
        using (var input = ZipFile.OpenRead(source))
        using (var output = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var entry in input.Entries)
            {
                using var src = entry.Open();
                var bytes = new MemoryStream();
                src.CopyTo(bytes);
                var data = bytes.ToArray();
                if (entry.FullName.EndsWith("/data/0"))
                    data = data[..1000];
                using var dst = output.CreateEntry(entry.FullName).Open();
                dst.Write(data);
            }
        }
        var e = Assert.Throws<CheckpointException>(() => SaeFormats.Load(path, ScalarType.Float32, CPU));
        Assert.Contains("data/0", e.Message);
        Assert.Equal("encoder_linear.weight", e.Tensor);
    }

    [Fact]
    public void Non_checkpoints_are_named_with_the_reason()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var text = Path.Combine(tmp.Path, "notes.pt");
        File.WriteAllText(text, "hello");
        Assert.Contains("not a PyTorch checkpoint", Assert.Throws<CheckpointException>(() => SaeFormats.Load(text, ScalarType.Float32, CPU)).Message);

        var legacy = Path.Combine(tmp.Path, "legacy.pt");
        File.WriteAllBytes(legacy, [0x80, 0x02, 0x8a, 0x0a]);
        Assert.Contains("legacy", Assert.Throws<CheckpointException>(() => SaeFormats.Load(legacy, ScalarType.Float32, CPU)).Message);

        var empty = tmp.Path;
        Assert.Contains("no SAE found", Assert.Throws<CheckpointException>(() => SaeFormats.Load(empty, ScalarType.Float32, CPU)).Message);
        Assert.Contains("not found", Assert.Throws<CheckpointException>(() => SaeFormats.Load(Path.Combine(tmp.Path, "nope"), ScalarType.Float32, CPU)).Message);
    }

    [Fact]
    public void Formats_are_resolved_from_files_and_folders_with_dimensions_and_hook_layer()
    {
        var goodfire = SaeFormats.Resolve(Path.Combine(SaeDir, "goodfire_l2.pt"));
        Assert.Equal(("goodfire", 32, 256, "standard", (int?)null), (goodfire.Format, goodfire.DIn, goodfire.DSae, goodfire.Architecture, goodfire.HookLayer));
        var saeLens = SaeFormats.Resolve(Path.Combine(SaeDir, "saelens_jumprelu_l2"));
        Assert.Equal(("saelens", 32, 256, "jumprelu", (int?)2, "blocks.2.hook_resid_post"),
            (saeLens.Format, saeLens.DIn, saeLens.DSae, saeLens.Architecture, saeLens.HookLayer, saeLens.HookName));
        Assert.Equal("saelens", SaeFormats.Resolve(Path.Combine(SaeDir, "saelens_jumprelu_l2", "sae_weights.safetensors")).Format);
        var sparsify = SaeFormats.Resolve(Path.Combine(SaeDir, "sparsify_topk_l2"), layer: 2);
        Assert.Equal(("sparsify", 32, 256, "topk", (int?)2), (sparsify.Format, sparsify.DIn, sparsify.DSae, sparsify.Architecture, sparsify.HookLayer));
        var e = Assert.Throws<CheckpointException>(() => SaeFormats.Resolve(Path.Combine(SaeDir, "sparsify_topk_l2")));
        Assert.Contains("layers.2", e.Message);
        Assert.Contains("no SAE for layer 5", Assert.Throws<CheckpointException>(() => SaeFormats.Resolve(Path.Combine(SaeDir, "sparsify_topk_l2"), layer: 5)).Message);
    }

    [Fact]
    public void The_registry_names_each_format_once()
    {
        Assert.Equal(["goodfire", "saelens", "sparsify"], SaeFormats.All.Select(f => f.Name));
        Assert.Equal("saelens", SaeFormats.Get("saelens").Name);
        Assert.Contains("known: goodfire, saelens, sparsify", Assert.Throws<ArgumentException>(() => SaeFormats.Get("dictionary_learning")).Message);
    }

    [Theory]
    [InlineData("blocks.3.hook_resid_post", 3)]
    [InlineData("blocks.3.hook_resid_pre", 2)]
    [InlineData("blocks.0.hook_resid_pre", null)]
    [InlineData("blocks.3.hook_mlp_out", null)]
    public void A_saelens_hook_name_gives_the_resid_post_layer_it_reads(string hookName, int? layer)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = CopySaeLens(tmp.Path, cfg => cfg["hook_name"] = hookName);
        Assert.Equal(layer, SaeFormats.Resolve(dir).HookLayer);
    }

    [Fact]
    public void A_saelens_6_config_names_its_hook_under_metadata()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = CopySaeLens(tmp.Path, cfg =>
        {
            cfg.Remove("hook_name");
            cfg.Remove("hook_layer");
            cfg["metadata"] = new System.Text.Json.Nodes.JsonObject { ["hook_name"] = "blocks.7.hook_resid_post" };
        });
        Assert.Equal(7, SaeFormats.Resolve(dir).HookLayer);
    }

    [Fact]
    public void An_sae_for_another_width_is_refused_with_both_numbers()
    {
        var sae = SaeFormats.Resolve(Path.Combine(SaeDir, "goodfire_l2.pt"));
        var e = LayerCheck.WidthProblem(sae, 8192, "Llama-3.3-70B's residual stream is");
        Assert.NotNull(e);
        Assert.Equal(SettingsField.Sae, e.Field);
        Assert.Contains("32", e.Message);
        Assert.Contains("8192", e.Message);
        Assert.Null(LayerCheck.WidthProblem(sae, 32, "tiny-llama3's residual stream is"));
    }

    /// <summary>The SAELens fixture in a folder of its own, its cfg.json edited.</summary>
    internal static string CopySaeLens(string root, Action<System.Text.Json.Nodes.JsonObject> edit)
    {
        var source = Path.Combine(SaeDir, "saelens_jumprelu_l2");
        var dir = Path.Combine(root, "saelens");
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        var cfg = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "cfg.json")))!.AsObject();
        edit(cfg);
        File.WriteAllText(Path.Combine(dir, "cfg.json"), cfg.ToJsonString());
        return dir;
    }
}
