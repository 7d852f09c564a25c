using System.Text.Json;
using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Models.Llama;

/// <summary>Architecture variants the tiny checkpoint does not exercise directly: MQA, tied embeddings, config layouts.</summary>
public sealed class LlamaArchitectureTests
{
    /// <summary>The tiny checkpoint's fp32 weights with optional per-tensor rewrites; records what was asked for.</summary>
    private sealed class EditedWeights(Func<string, Tensor, Tensor>? edit = null) : ILlamaWeights, IDisposable
    {
        private readonly ModelDirectory _dir = ModelDirectory.Open(FixturePaths.TinyModel);
        public List<string> Requested { get; } = [];

        public ScalarType DType => ScalarType.Float32;

        public Tensor Get(string name, long[] shape, Device device)
        {
            Requested.Add(name);
            string stored = name == "lm_head.weight" && !_dir.Contains(name) ? "model.embed_tokens.weight" : name;
            using var raw = _dir.ReadTensor(stored, ReadShape(stored, shape));
            var t = raw.to_type(ScalarType.Float32);
            return edit is null ? t : edit(name, t);
        }

        // Edits may change a tensor's shape (fewer KV heads); read the stored shape in that case.
        private long[] ReadShape(string name, long[] wanted) =>
            name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight") ? [16, 32] : wanted;

        public void Dispose() => _dir.Dispose();
    }

    private static LlamaConfig TinyConfig => LlamaConfig.Load(Path.Combine(FixturePaths.TinyModel, "config.json"));

    private static float[] Resid(LlamaForCausalLM model, int layer = 3) =>
        new ResidualCapture(model).Run([Golden.PromptIds[0]], [layer], 1).Single().ResidPost[layer];

    [Fact]
    public void Multi_query_attention_equals_grouped_attention_with_identical_kv_heads()
    {
        // Head 0's rows of k_proj/v_proj repeated for head 1 (GQA with 2 identical KV heads) must equal MQA with head 0 alone.
        using var duplicated = new EditedWeights((name, t) =>
            name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight") ? cat([t[..8], t[..8]], 0) : t);
        using var single = new EditedWeights((name, t) =>
            name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight") ? t[..8].clone() : t);
        var gqaConfig = TinyConfig;
        var mqaConfig = gqaConfig with { NumKeyValueHeads = 1 };

        using var gqa = LlamaForCausalLM.Create(gqaConfig, duplicated, 4, false, CPU);
        using var mqa = LlamaForCausalLM.Create(mqaConfig, single, 4, false, CPU);

        var a = Resid(gqa);
        var b = Resid(mqa);
        Assert.True(Golden.MaxAbsDiff(a, b) <= 1e-5, $"MQA vs duplicated-GQA max diff {Golden.MaxAbsDiff(a, b):E2}");
        Assert.True(Golden.MaxAbsDiff(a, Golden.Capture("p0.resid_post.3")) > 1e-3, "the edit must change the model");
    }

    [Fact]
    public void Tied_embeddings_use_the_embedding_matrix_as_lm_head()
    {
        using var untiedSource = new EditedWeights((name, t) => t);
        using var tiedSource = new EditedWeights();
        var tiedConfig = TinyConfig with { TieWordEmbeddings = true };

        using var tied = LlamaForCausalLM.Create(tiedConfig, tiedSource, 4, true, CPU);
        Assert.DoesNotContain("lm_head.weight", tiedSource.Requested);

        // An untied model whose lm_head is a copy of the embeddings must agree.
        using var copyHead = new EditedWeights((name, t) => name == "lm_head.weight" ? ReadEmbeddings() : t);
        using var untied = LlamaForCausalLM.Create(TinyConfig, copyHead, 4, true, CPU);

        using var batch = PackedBatch.Create([Golden.PromptIds[0]], CPU);
        using var l1 = tied.Logits(batch);
        using var l2 = untied.Logits(batch);
        Assert.Equal(0.0, (l1 - l2).abs().max().item<float>(), 6);
        Assert.Equal(128256, l1.shape[1]);
    }

    private static Tensor ReadEmbeddings()
    {
        using var dir = ModelDirectory.Open(FixturePaths.TinyModel);
        using var e = dir.ReadTensor("model.embed_tokens.weight", [128256, 32]);
        return e.to_type(ScalarType.Float32, copy: true);
    }

    [Fact]
    public void Default_rope_frequencies_follow_the_formula()
    {
        var ours = RotaryEmbedding.InverseFrequencies(128, 10000.0, new RopeScaling("default"));
        Assert.Equal(64, ours.Length);
        for (int i = 0; i < 64; i++)
        {
            double expected = 1.0 / Math.Pow(10000.0, 2.0 * i / 128);
            Assert.True(Math.Abs(ours[i] - expected) <= 1e-6 * expected, $"inv_freq[{i}] {ours[i]} vs {expected}");
        }
    }

    [Fact]
    public void Llama3_scaling_divides_low_frequencies_by_the_factor_and_keeps_high_ones()
    {
        var scaling = new RopeScaling("llama3", 8, 1, 4, 8192);
        var plain = RotaryEmbedding.InverseFrequencies(128, 500000.0, new RopeScaling("default"));
        var scaled = RotaryEmbedding.InverseFrequencies(128, 500000.0, scaling);
        for (int i = 0; i < 64; i++)
        {
            double wavelen = 2 * Math.PI / plain[i];
            if (wavelen < 8192 / 4.0)
                Assert.Equal(plain[i], scaled[i]);
            else if (wavelen > 8192 / 1.0)
                Assert.Equal(plain[i] / 8f, scaled[i], 1e-12f);
            else
                Assert.InRange(scaled[i], plain[i] / 8f, plain[i]);
        }
    }

    [Fact]
    public void Both_rope_config_layouts_give_the_same_config()
    {
        const string classic = """
            {"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":2,
             "num_attention_heads":2,"num_key_value_heads":1,"rms_norm_eps":1e-5,"rope_theta":500000.0,
             "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
             "original_max_position_embeddings":8192},"max_position_embeddings":131072,"some_future_key":[1,2]}
            """;
        const string v5 = """
            {"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":2,
             "num_attention_heads":2,"num_key_value_heads":1,"rms_norm_eps":1e-5,
             "rope_parameters":{"rope_type":"llama3","rope_theta":500000.0,"factor":8.0,"low_freq_factor":1.0,
             "high_freq_factor":4.0,"original_max_position_embeddings":8192},"max_position_embeddings":131072}
            """;
        var a = LlamaConfig.Parse(JsonDocument.Parse(classic).RootElement, "classic.json");
        var b = LlamaConfig.Parse(JsonDocument.Parse(v5).RootElement, "v5.json");
        Assert.Equal(a, b);
        Assert.Equal(500000.0, a.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 8, 1, 4, 8192), a.RopeScaling);
        Assert.Equal(4, a.HeadDim);
        Assert.Equal(1, a.NumKeyValueHeads);
    }

    [Fact]
    public void Unsupported_rope_types_and_architectures_are_refused_by_name()
    {
        var yarn = JsonDocument.Parse("""{"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":2,"num_attention_heads":2,"rope_scaling":{"rope_type":"yarn","factor":4}}""");
        var e = Assert.Throws<CheckpointException>(() => LlamaConfig.Parse(yarn.RootElement, "cfg.json"));
        Assert.Contains("yarn", e.Message);
        Assert.Contains("cfg.json", e.Message);

        var mistral = JsonDocument.Parse("""{"model_type":"mistral","vocab_size":10,"hidden_size":8}""");
        Assert.Contains("mistral", Assert.Throws<CheckpointException>(() => LlamaConfig.Parse(mistral.RootElement, "cfg.json")).Message);
    }
}
