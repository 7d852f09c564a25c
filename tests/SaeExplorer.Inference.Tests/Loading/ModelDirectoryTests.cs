using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Loading;

public sealed class ModelDirectoryTests
{
    private const string LmHeadShard = "model-00002-of-00003.safetensors";
    private const string LayerShard = "model-00003-of-00003.safetensors";

    private static CapturedPrompt CaptureLayer(string modelDir, int layer, int prompt = 0)
    {
        using var model = LlamaForCausalLM.Load(modelDir, layer, withHead: false, ScalarType.Float32, CPU);
        return new ResidualCapture(model).Run([Golden.PromptIds[prompt]], [layer], 1).Single();
    }

    [Fact]
    public void Capture_works_without_the_lm_head_shard()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "no-head");
        File.Delete(Path.Combine(dir, LmHeadShard));

        var result = CaptureLayer(dir, 3);

        Assert.True(Golden.MaxAbsDiff(result.ResidPost[3], Golden.Capture("p0.resid_post.3")) <= 1e-4);
        var e = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(dir, 3, withHead: true, ScalarType.Float32, CPU));
        Assert.Contains(LmHeadShard, e.Message);
        Assert.Equal("lm_head.weight", e.Tensor);
    }

    [Fact]
    public void Capturing_layer_1_reads_no_tensor_of_layers_2_and_3()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "garbage-deep");
        var shard = Path.Combine(dir, LayerShard);
        List<SafetensorsEntry> deep;
        long dataStart;
        using (var file = SafetensorsFile.Open(shard))
        {
            deep = file.Entries.Where(e => e.Name.StartsWith("model.layers.2.") || e.Name.StartsWith("model.layers.3.") || e.Name == "model.norm.weight").ToList();
            dataStart = 8 + BitConverter.ToInt64(File.ReadAllBytes(shard).AsSpan(0, 8));
        }
        Assert.Equal(19, deep.Count);
        using (var fs = new FileStream(shard, FileMode.Open, FileAccess.Write))
        {
            // 0xFF bytes are NaN in bf16: any use of these tensors would poison every activation.
            foreach (var e in deep)
            {
                fs.Position = dataStart + e.Begin;
                fs.Write(Enumerable.Repeat((byte)0xFF, (int)(e.End - e.Begin)).ToArray());
            }
        }

        var layer1 = CaptureLayer(dir, 1);
        Assert.True(Golden.MaxAbsDiff(layer1.ResidPost[1], Golden.Capture("p0.resid_post.1")) <= 1e-4);

        // The garbage is real: loading for layer 2 from the same copy reads it, and refuses the NaN weights.
        var refused = Assert.Throws<CheckpointException>(() => CaptureLayer(dir, 2));
        Assert.StartsWith("model.layers.2.", refused.Tensor);
    }

    [Fact]
    public void Loading_for_layer_1_opens_no_lm_head_shard_and_builds_two_layers()
    {
        using var model = LlamaForCausalLM.Load(FixturePaths.TinyModel, 1, withHead: false, ScalarType.Float32, CPU);
        Assert.Equal(2, model.LoadedLayers);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("model.layers.1.self_attn.q_proj.weight", names);
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.DoesNotContain(names, n => n.StartsWith("model.layers.2.") || n.StartsWith("lm_head") || n.StartsWith("model.norm"));
    }

    [Fact]
    public void Parameter_names_equal_checkpoint_keys()
    {
        using var model = LlamaForCausalLM.Load(FixturePaths.TinyModel, 3, withHead: true, ScalarType.Float32, CPU);
        var ours = model.named_parameters().Select(p => p.name).Order().ToList();
        using var dir = ModelDirectory.Open(FixturePaths.TinyModel);
        var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(FixturePaths.TinyModel, ModelDirectory.IndexFileName)))
            .RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(index, ours);
    }

    [Fact]
    public void Missing_directory_and_missing_config_are_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), "saex-no-such-model");
        var e1 = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(missing, 0, false, ScalarType.Float32, CPU));
        Assert.Contains(missing, e1.Message);

        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "no-config");
        File.Delete(Path.Combine(dir, "config.json"));
        var e2 = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(dir, 0, false, ScalarType.Float32, CPU));
        Assert.Contains("config.json", e2.Message);
    }

    [Fact]
    public void A_missing_shard_names_the_shard_and_the_tensor()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "no-layers");
        File.Delete(Path.Combine(dir, LayerShard));
        var e = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(dir, 0, false, ScalarType.Float32, CPU));
        Assert.Contains(LayerShard, e.Message);
        Assert.StartsWith("model.layers.0.", e.Tensor);
    }

    [Fact]
    public void A_tensor_missing_from_the_index_is_named()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "no-q");
        var index = Path.Combine(dir, ModelDirectory.IndexFileName);
        File.WriteAllText(index, File.ReadAllText(index).Replace("\"model.layers.0.self_attn.q_proj.weight\"", "\"renamed.q_proj.weight\""));
        var e = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(dir, 0, false, ScalarType.Float32, CPU));
        Assert.Equal("model.layers.0.self_attn.q_proj.weight", e.Tensor);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void A_config_that_does_not_fit_the_weights_gives_a_shape_error()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "wrong-shape");
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"intermediate_size\": 88", "\"intermediate_size\": 96"));
        var e = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(dir, 0, false, ScalarType.Float32, CPU));
        Assert.Equal("model.layers.0.mlp.gate_proj.weight", e.Tensor);
        Assert.Contains("[88, 32]", e.Message);
        Assert.Contains("[96, 32]", e.Message);
        Assert.Contains(LayerShard, e.Message);
    }

    [Fact]
    public void A_truncated_shard_is_reported_with_its_name()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "truncated");
        var shard = Path.Combine(dir, LayerShard);
        using (var fs = new FileStream(shard, FileMode.Open, FileAccess.Write))
            fs.SetLength(fs.Length - 1000);
        var e = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(dir, 0, false, ScalarType.Float32, CPU));
        Assert.Contains(LayerShard, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.NotNull(e.Tensor);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "too short")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0 }, "corrupt header")]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'n', (byte)'o', (byte)'p', (byte)'e' }, "corrupt header")]
    public void A_bad_header_is_reported_with_the_file_name(byte[] content, string expected)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "bad.safetensors");
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>Rewrites the tiny model as one model.safetensors (no index) with every tensor stored as <paramref name="dtype"/>.</summary>
    private static string SingleFileCopy(TempDirectory tmp, ScalarType dtype)
    {
        var dir = Path.Combine(tmp.Path, "single-" + dtype);
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { "config.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(FixturePaths.TinyModel, name), Path.Combine(dir, name));
        var shards = Directory.GetFiles(FixturePaths.TinyModel, "model-*.safetensors").Select(SafetensorsFile.Open).ToList();
        try
        {
            var entries = shards.SelectMany(f => f.Entries.Select(e => (File: f, Entry: e))).OrderBy(x => x.Entry.Name).ToList();
            var specs = entries.Select(x => new SafetensorsSpec(x.Entry.Name, SafetensorsDType.FromScalarType(dtype), x.Entry.Shape)).ToList();
            using var writer = new SafetensorsWriter(Path.Combine(dir, ModelDirectory.SingleFileName), specs);
            foreach (var (file, entry) in entries)
            {
                using var stored = file.ReadTensor(entry.Name);
                using var converted = stored.to_type(dtype);
                writer.Write<byte>(entry.Name, converted.bytes);
            }
            writer.Commit();
        }
        finally
        {
            shards.ForEach(f => f.Dispose());
        }
        return dir;
    }

    [Fact]
    public void A_single_file_float32_checkpoint_gives_the_golden_activations()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = SingleFileCopy(tmp, ScalarType.Float32);
        Assert.False(File.Exists(Path.Combine(dir, ModelDirectory.IndexFileName)));

        // bf16 -> fp32 is exact, so the stored dtype must not change a single bit of the result.
        var result = CaptureLayer(dir, 3);
        var fromShards = CaptureLayer(FixturePaths.TinyModel, 3);
        Assert.Equal(fromShards.ResidPost[3], result.ResidPost[3]);
        Assert.True(Golden.MaxAbsDiff(result.ResidPost[3], Golden.Capture("p0.resid_post.3")) <= 1e-4);
    }

    [Fact]
    public void A_float16_checkpoint_loads_and_stays_close_to_the_goldens()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = SingleFileCopy(tmp, ScalarType.Float16);
        using (var file = SafetensorsFile.Open(Path.Combine(dir, ModelDirectory.SingleFileName)))
            Assert.All(file.Entries, e => Assert.Equal("F16", e.DType));

        var result = CaptureLayer(dir, 3);
        var golden = Golden.Capture("p0.resid_post.3");
        // fp16 keeps more mantissa than bf16, so weights round-trip exactly unless a value falls into fp16's
        // subnormal range; the residual stream moves by far less than a bf16 step.
        Assert.True(Golden.MaxAbsDiff(result.ResidPost[3], golden) <= 1e-3 * Golden.MaxAbs(golden));
    }

    [Fact]
    public void Writer_output_reads_back_exactly()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "out.safetensors");
        var a = new float[] { 1.5f, -2f, 3.25f, float.Epsilon, 0f, 7f };
        SafetensorsWriter.WriteFloat32(path, [("a", [2, 3], a), ("b", [1], [42f])]);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal([2L, 3L], file["a"].Shape);
        using var t = file.ReadTensor("a");
        Assert.Equal(a, t.data<float>().ToArray());
        Assert.False(File.Exists(path + ".partial"));
        Assert.Equal(0, (8 + BitConverter.ToInt64(File.ReadAllBytes(path).AsSpan(0, 8))) % 8);
    }
}
