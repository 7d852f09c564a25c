using System.Text.Json;
using SaeExplorer.Inference.Loading;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// RoPE frequency scaling. "default" is plain RoPE; "llama3" is Llama 3.1+'s long-context scaling, as
/// transformers' <c>_compute_llama3_parameters</c> defines it.
/// </summary>
public sealed record RopeScaling(
    string RopeType,
    double Factor = 1.0,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    int OriginalMaxPositionEmbeddings = 8192);

/// <summary>The parts of a Hugging Face Llama <c>config.json</c> the forward pass needs.</summary>
public sealed record LlamaConfig(
    int VocabSize,
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int HeadDim,
    double RmsNormEps,
    double RopeTheta,
    RopeScaling RopeScaling,
    int MaxPositionEmbeddings,
    bool TieWordEmbeddings,
    string TorchDtype)
{
    public static LlamaConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException(path, null, "config.json not found; a Hugging Face model directory needs one.");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return Parse(doc.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"not valid JSON ({e.Message}).", e);
        }
    }

    public static LlamaConfig Parse(JsonElement root, string path)
    {
        // Multimodal and some newer exports nest the language model's settings under text_config.
        if (root.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object && !root.TryGetProperty("hidden_size", out _))
            root = text;

        string modelType = Str(root, "model_type") ?? "llama";
        if (modelType != "llama")
            throw new CheckpointException(path, null, $"model_type is '{modelType}', but only Llama-architecture models ('llama') are supported.");
        var act = Str(root, "hidden_act") ?? "silu";
        if (act != "silu")
            throw new CheckpointException(path, null, $"hidden_act '{act}' is not supported (Llama uses 'silu').");
        if (Bool(root, "attention_bias") == true || Bool(root, "mlp_bias") == true)
            throw new CheckpointException(path, null, "attention_bias/mlp_bias are set; biased Llama variants are not supported.");

        int hidden = Int(root, "hidden_size", path);
        int heads = Int(root, "num_attention_heads", path);
        int kvHeads = OptInt(root, "num_key_value_heads") ?? heads;
        int headDim = OptInt(root, "head_dim") ?? hidden / heads;
        if (heads % kvHeads != 0)
            throw new CheckpointException(path, null, $"num_attention_heads ({heads}) is not a multiple of num_key_value_heads ({kvHeads}).");

        // Two layouts exist: the classic hub one (rope_theta + rope_scaling) and transformers 5's rope_parameters,
        // which carries rope_theta inside it.
        double theta = OptDouble(root, "rope_theta") ?? 10000.0;
        RopeScaling scaling = new("default");
        JsonElement? ropeObj = null;
        if (root.TryGetProperty("rope_parameters", out var rp) && rp.ValueKind == JsonValueKind.Object)
            ropeObj = rp;
        else if (root.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind == JsonValueKind.Object)
            ropeObj = rs;
        if (ropeObj is { } r)
        {
            theta = OptDouble(r, "rope_theta") ?? theta;
            var type = Str(r, "rope_type") ?? Str(r, "type") ?? "default";
            scaling = type switch
            {
                "default" => new RopeScaling("default"),
                "llama3" => new RopeScaling("llama3",
                    OptDouble(r, "factor") ?? throw Missing(path, "rope_scaling.factor"),
                    OptDouble(r, "low_freq_factor") ?? throw Missing(path, "rope_scaling.low_freq_factor"),
                    OptDouble(r, "high_freq_factor") ?? throw Missing(path, "rope_scaling.high_freq_factor"),
                    OptInt(r, "original_max_position_embeddings") ?? throw Missing(path, "rope_scaling.original_max_position_embeddings")),
                _ => throw new CheckpointException(path, null, $"rope type '{type}' is not supported (supported: default, llama3)."),
            };
        }

        return new LlamaConfig(
            VocabSize: Int(root, "vocab_size", path),
            HiddenSize: hidden,
            IntermediateSize: Int(root, "intermediate_size", path),
            NumHiddenLayers: Int(root, "num_hidden_layers", path),
            NumAttentionHeads: heads,
            NumKeyValueHeads: kvHeads,
            HeadDim: headDim,
            RmsNormEps: OptDouble(root, "rms_norm_eps") ?? 1e-6,
            RopeTheta: theta,
            RopeScaling: scaling,
            MaxPositionEmbeddings: OptInt(root, "max_position_embeddings") ?? 2048,
            TieWordEmbeddings: Bool(root, "tie_word_embeddings") ?? false,
            TorchDtype: Str(root, "torch_dtype") ?? Str(root, "dtype") ?? "float32");
    }

    private static CheckpointException Missing(string path, string key) => new(path, null, $"'{key}' is missing.");

    private static int Int(JsonElement e, string key, string path) => OptInt(e, key) ?? throw Missing(path, key);

    private static int? OptInt(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? (int)v.GetDouble() : null;

    private static double? OptDouble(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static string? Str(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
