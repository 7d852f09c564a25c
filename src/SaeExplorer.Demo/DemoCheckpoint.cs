using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Demo;

/// <summary>
/// Writes the demo model as a Hugging Face Llama checkpoint directory: a Llama 3 architecture scaled down to a
/// 64-wide residual stream (4 layers, 4 query heads sharing 2 key/value heads of 16 dimensions), the real Llama 3
/// vocabulary and tokenizer, the Llama 3.1 chat template, and float32 weights drawn from <see cref="DemoRandom"/>.
/// </summary>
internal static class DemoCheckpoint
{
    public const int HiddenSize = 64;
    public const int IntermediateSize = 176;
    public const int LayerCount = 4;
    public const int HeadCount = 4;
    public const int KeyValueHeadCount = 2;
    public const int HeadDim = 16;
    public const int VocabSize = 128_256;
    public const int MaxPositionEmbeddings = 8192;

    /// <summary>Standard deviation of the token embeddings.</summary>
    /// <remarks>
    /// The matrices do not use transformers' N(0, 0.02²): a layer's update to the residual stream is then a few
    /// hundredths in size, and the layer-2 residual is little more than the token's embedding, so an SAE on it could
    /// only tell tokens apart. Matrices here have std 1/√fan_in, so each layer's output is of the embedding's order,
    /// and the query and key projections <see cref="QueryKeyGain"/> times that, so attention logits have a standard deviation near 9
    /// and each head picks out a few earlier tokens, as trained heads do, instead of averaging the whole context.
    /// Over the distinct contexts of the 300 seed prompts, the share of the layer-2 residual's variance that the
    /// token alone does not explain is 48% with these settings, against 0.0% with 0.02 matrices and these embeddings
    /// and 2.9% with 0.02 everywhere.
    /// </remarks>
    public const double EmbeddingStd = 1.0;

    /// <summary>Gain of the query and key projections over 1/√fan_in (see <see cref="EmbeddingStd"/>).</summary>
    public const double QueryKeyGain = 3.0;

    /// <summary>The Llama 3.1 Instruct chat template as tests/fixtures/tiny-llama3 ships it (the form <see cref="ChatFormats"/> renders byte for byte).</summary>
    private const string ChatTemplate =
        """{{- bos_token }}{%- if not date_string is defined %}{%- set date_string = '26 Jul 2024' %}{%- endif %}{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set system_message = '' %}{%- endif %}{{- '<|start_header_id|>system<|end_header_id|>\n\n' }}{{- 'Cutting Knowledge Date: December 2023\n' }}{{- 'Today Date: ' + date_string + '\n\n' }}{{- system_message }}{{- '<|eot_id|>' }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}""";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NewLine = "\n" };

    /// <summary>Every file of the checkpoint into <paramref name="directory"/> (created if needed).</summary>
    public static void Write(string directory, ulong seed, IProgress<string>? progress, CancellationToken cancellation)
    {
        Directory.CreateDirectory(directory);
        WriteJson(Path.Combine(directory, "config.json"), Config());
        WriteJson(Path.Combine(directory, "generation_config.json"), new JsonObject
        {
            ["bos_token_id"] = 128000,
            ["eos_token_id"] = new JsonArray(128001, 128008, 128009),
        });
        WriteJson(Path.Combine(directory, "tokenizer_config.json"), new JsonObject
        {
            ["bos_token"] = Llama3Tokenizer.BeginOfTextToken,
            ["eos_token"] = Llama3Tokenizer.EotToken,
            ["chat_template"] = ChatTemplate,
            ["clean_up_tokenization_spaces"] = true,
            ["model_input_names"] = new JsonArray("input_ids", "attention_mask"),
            ["model_max_length"] = MaxPositionEmbeddings,
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
        });

        progress?.Report("writing the Llama 3 tokenizer");
        using (var source = Llama3Tokenizer.OpenEmbeddedJson())
        using (var target = File.Create(Path.Combine(directory, "tokenizer.json")))
            source.CopyTo(target);

        cancellation.ThrowIfCancellationRequested();
        progress?.Report($"writing model weights (seed {seed})");
        WriteWeights(Path.Combine(directory, ModelDirectory.SingleFileName), seed, cancellation);
    }

    /// <summary>The tensors of the checkpoint in file order, with the standard deviation of their random values (0: all ones).</summary>
    public static IReadOnlyList<(string Name, long[] Shape, double Std)> Tensors()
    {
        double hiddenFanIn = 1 / Math.Sqrt(HiddenSize);
        double queryKey = QueryKeyGain * hiddenFanIn;
        double attentionFanIn = 1 / Math.Sqrt(HeadCount * HeadDim);
        double mlpFanIn = 1 / Math.Sqrt(IntermediateSize);
        var tensors = new List<(string, long[], double)> { ("model.embed_tokens.weight", [VocabSize, HiddenSize], EmbeddingStd) };
        for (int layer = 0; layer < LayerCount; layer++)
        {
            var prefix = $"model.layers.{layer}";
            tensors.Add(($"{prefix}.input_layernorm.weight", [HiddenSize], 0));
            tensors.Add(($"{prefix}.self_attn.q_proj.weight", [HeadCount * HeadDim, HiddenSize], queryKey));
            tensors.Add(($"{prefix}.self_attn.k_proj.weight", [KeyValueHeadCount * HeadDim, HiddenSize], queryKey));
            tensors.Add(($"{prefix}.self_attn.v_proj.weight", [KeyValueHeadCount * HeadDim, HiddenSize], hiddenFanIn));
            tensors.Add(($"{prefix}.self_attn.o_proj.weight", [HiddenSize, HeadCount * HeadDim], attentionFanIn));
            tensors.Add(($"{prefix}.post_attention_layernorm.weight", [HiddenSize], 0));
            tensors.Add(($"{prefix}.mlp.gate_proj.weight", [IntermediateSize, HiddenSize], hiddenFanIn));
            tensors.Add(($"{prefix}.mlp.up_proj.weight", [IntermediateSize, HiddenSize], hiddenFanIn));
            tensors.Add(($"{prefix}.mlp.down_proj.weight", [HiddenSize, IntermediateSize], mlpFanIn));
        }
        tensors.Add(("model.norm.weight", [HiddenSize], 0));
        return tensors;
    }

    private static void WriteWeights(string path, ulong seed, CancellationToken cancellation)
    {
        var tensors = Tensors();
        var random = new DemoRandom(seed);
        using var writer = new SafetensorsWriter(path, tensors.Select(t => new SafetensorsSpec(t.Name, "F32", t.Shape)).ToList(),
            new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var (name, shape, std) in tensors)
        {
            cancellation.ThrowIfCancellationRequested();
            var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
            if (std == 0)
                values.AsSpan().Fill(1f);
            else
                random.FillNormal(values, std);
            writer.Write<float>(name, values);
        }
        writer.Commit();
    }

    private static JsonObject Config() => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["attention_bias"] = false,
        ["attention_dropout"] = 0.0,
        ["bos_token_id"] = 128000,
        ["eos_token_id"] = new JsonArray(128001, 128008, 128009),
        ["head_dim"] = HeadDim,
        ["hidden_act"] = "silu",
        ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["mlp_bias"] = false,
        ["model_type"] = "llama",
        ["num_attention_heads"] = HeadCount,
        ["num_hidden_layers"] = LayerCount,
        ["num_key_value_heads"] = KeyValueHeadCount,
        ["pretraining_tp"] = 1,
        ["rms_norm_eps"] = 1e-05,
        ["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3",
            ["factor"] = 8.0,
            ["low_freq_factor"] = 1.0,
            ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 8192,
        },
        ["rope_theta"] = 500000.0,
        ["tie_word_embeddings"] = true,
        ["torch_dtype"] = "float32",
        ["use_cache"] = true,
        ["vocab_size"] = VocabSize,
    };

    internal static void WriteJson(string path, JsonNode node) =>
        File.WriteAllText(path, node.ToJsonString(Indented) + "\n");
}
