using System.Text;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Loading;

/// <summary>Crafted and careless checkpoints (the hardening issue): each is refused with one line naming the file, before libtorch sees it.</summary>
public sealed class CraftedCheckpointTests
{
    /// <summary>A safetensors file of float32 tensors with the given (name, shape, data_offsets), and <paramref name="dataBytes"/> bytes of data.</summary>
    private static string Safetensors(string dir, string header, int dataBytes)
    {
        var path = Path.Combine(dir, "crafted.safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((long)json.Length));
        fs.Write(json);
        fs.Write(new byte[dataBytes]);
        return path;
    }

    [Theory]
    // Two tensors sharing bytes 8..16.
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24, "overlap")]
    // A hole between them.
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", 24, "must follow one another")]
    // Negative dimensions whose product matches the span.
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2,-2],\"data_offsets\":[0,16]}}", 16, "negative dimension")]
    // A shape whose element count overflows 64 bits (2^62 x 2^2 x 4 bytes wraps to 0 = the span).
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}", 0, "more elements than any file")]
    public void A_crafted_safetensors_header_is_refused_naming_file_and_tensor(string header, int dataBytes, string expected)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Safetensors(tmp.Path, header, dataBytes);
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.NotNull(e.Tensor);
    }

    [Fact]
    public void Tensors_that_tile_the_data_open()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Safetensors(tmp.Path,
            "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b", "e"], file.Entries.Select(x => x.Name).Order());
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../outside.safetensors")]
    [InlineData("sub/../../outside.safetensors")]
    public void An_index_naming_a_shard_outside_the_model_folder_is_refused(string shard)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "escape");
        var index = Path.Combine(dir, ModelDirectory.IndexFileName);
        var text = File.ReadAllText(index);
        int at = text.IndexOf("model-00001-of-00003.safetensors", StringComparison.Ordinal);
        Assert.True(at > 0);
        File.WriteAllText(index, text[..at] + shard + text[(at + "model-00001-of-00003.safetensors".Length)..]);
        var e = Assert.Throws<CheckpointException>(() => ModelDirectory.Open(dir));
        Assert.Contains(index, e.Message);
        Assert.Contains($"'{shard}', which is not a file inside the model folder", e.Message);
    }

    [Theory]
    [InlineData("\"rope_theta\": 500000.0", "\"rope_theta\": 0", "'rope_theta' is 0; it must be a positive finite number")]
    [InlineData("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": -1", "'rms_norm_eps' is -1")]
    [InlineData("\"factor\": 8.0", "\"factor\": 0", "'rope_scaling.factor' is 0")]
    [InlineData("\"num_attention_heads\": 4", "\"num_attention_heads\": 0", "'num_attention_heads' is 0; it must be positive")]
    [InlineData("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 0", "'num_key_value_heads' is 0")]
    [InlineData("\"intermediate_size\": 88", "\"intermediate_size\": -5", "'intermediate_size' is -5")]
    [InlineData("\"vocab_size\": 128256", "\"vocab_size\": 1e12", "'vocab_size' is 1e12, not a whole number that fits 32 bits")]
    [InlineData("\"hidden_size\": 32", "\"hidden_size\": 31.5", "'hidden_size' is 31.5")]
    public void A_config_with_a_value_that_gives_no_model_is_refused_by_name(string from, string to, string expected)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "bad-config");
        var config = Path.Combine(dir, "config.json");
        var text = File.ReadAllText(config);
        Assert.Contains(from, text);
        File.WriteAllText(config, text.Replace(from, to));
        var e = Assert.Throws<CheckpointException>(() => LlamaConfig.Load(config));
        Assert.Contains(config, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_config_that_is_not_an_object_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var config = Path.Combine(tmp.Path, "config.json");
        File.WriteAllText(config, "[1, 2]");
        Assert.Contains("holds a JSON array, not an object", Assert.Throws<CheckpointException>(() => LlamaConfig.Load(config)).Message);
    }
}

/// <summary>NaN or infinite weights are refused as they load, naming the tensor (the hardening issue, item 4).</summary>
public sealed class NonFiniteWeightTests
{
    [Fact]
    public void A_model_weight_holding_nan_is_refused_naming_tensor_and_shard()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(FixturePaths.TinyModel, "nan");
        const string name = "model.layers.0.mlp.down_proj.weight";
        string shard;
        SafetensorsEntry entry;
        using (var index = ModelDirectory.Open(dir))
            shard = index.FileOf(name);
        using (var file = SafetensorsFile.Open(shard))
            entry = file[name];
        using (var fs = new FileStream(shard, FileMode.Open, FileAccess.ReadWrite))
        {
            var header = new byte[8];
            fs.ReadExactly(header);
            // One bf16 NaN (0x7FC0) in the middle of the tensor.
            fs.Position = 8 + BitConverter.ToInt64(header) + entry.Begin + (entry.End - entry.Begin) / 2 / 2 * 2;
            fs.Write([0xC0, 0x7F]);
        }
        var e = Assert.Throws<CheckpointException>(() => LlamaForCausalLM.Load(dir, 1, withHead: false, ScalarType.Float32, CPU));
        Assert.Equal(name, e.Tensor);
        Assert.Contains(shard, e.Message);
        Assert.Contains("NaN or infinite", e.Message);
        // Layers that are not loaded are not read, so not checked: capturing below the damage still works.
        using var fine = LlamaForCausalLM.Load(FixturePaths.TinyModel, 1, withHead: false, ScalarType.Float32, CPU);
    }

    [Fact]
    public void An_sae_weight_holding_infinity_is_refused_naming_it()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var dir = tmp.Copy(Path.Combine(FixturePaths.Fixtures, "sae", "saelens_jumprelu_l2"), "sae");
        var weights = Path.Combine(dir, "sae_weights.safetensors");
        SafetensorsEntry entry;
        long dataStart;
        using (var file = SafetensorsFile.Open(weights))
        {
            entry = file["W_dec"];
            dataStart = file.DataStart;
            Assert.Equal("F32", entry.DType);
        }
        using (var fs = new FileStream(weights, FileMode.Open, FileAccess.Write))
        {
            fs.Position = dataStart + entry.Begin + 4 * 7;
            fs.Write(BitConverter.GetBytes(float.PositiveInfinity));
        }
        var source = Inference.Saes.SaeFormats.Resolve(dir, 2);
        var e = Assert.Throws<CheckpointException>(() => Inference.Saes.SaeFormats.Load(source, ScalarType.Float32, CPU));
        Assert.Equal("W_dec", e.Tensor);
        Assert.Contains("NaN or infinite", e.Message);
    }
}
