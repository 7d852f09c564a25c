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
        if (root.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, null, $"config.json holds a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object of model settings.");
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

        int hidden = Positive(Int(root, "hidden_size", path), "hidden_size", path);
        int heads = Positive(Int(root, "num_attention_heads", path), "num_attention_heads", path);
        int kvHeads = Positive(OptInt(root, "num_key_value_heads", path) ?? heads, "num_key_value_heads", path);
        int headDim = Positive(OptInt(root, "head_dim", path) ?? hidden / heads, "head_dim", path);
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
                    Positive(OptDouble(r, "factor") ?? throw Missing(path, "rope_scaling.factor"), "rope_scaling.factor", path),
                    Positive(OptDouble(r, "low_freq_factor") ?? throw Missing(path, "rope_scaling.low_freq_factor"), "rope_scaling.low_freq_factor", path),
                    Positive(OptDouble(r, "high_freq_factor") ?? throw Missing(path, "rope_scaling.high_freq_factor"), "rope_scaling.high_freq_factor", path),
                    Positive(OptInt(r, "original_max_position_embeddings", path) ?? throw Missing(path, "rope_scaling.original_max_position_embeddings"),
                        "rope_scaling.original_max_position_embeddings", path)),
                _ => throw new CheckpointException(path, null, $"rope type '{type}' is not supported (supported: default, llama3)."),
            };
        }

        return new LlamaConfig(
            VocabSize: Positive(Int(root, "vocab_size", path), "vocab_size", path),
            HiddenSize: hidden,
            IntermediateSize: Positive(Int(root, "intermediate_size", path), "intermediate_size", path),
            NumHiddenLayers: Positive(Int(root, "num_hidden_layers", path), "num_hidden_layers", path),
            NumAttentionHeads: heads,
            NumKeyValueHeads: kvHeads,
            HeadDim: headDim,
            RmsNormEps: Positive(OptDouble(root, "rms_norm_eps") ?? 1e-6, "rms_norm_eps", path),
            RopeTheta: Positive(theta, "rope_theta", path),
            RopeScaling: scaling,
            MaxPositionEmbeddings: Positive(OptInt(root, "max_position_embeddings", path) ?? 2048, "max_position_embeddings", path),
            TieWordEmbeddings: Bool(root, "tie_word_embeddings") ?? false,
            TorchDtype: Str(root, "torch_dtype") ?? Str(root, "dtype") ?? "float32");
    }

    private static CheckpointException Missing(string path, string key) => new(path, null, $"'{key}' is missing.");

    private static int Int(JsonElement e, string key, string path) => OptInt(e, key, path) ?? throw Missing(path, key);

    /// <summary>A whole number that fits an int (1e12 or 1.5 is an error, not a silently wrapped or truncated size).</summary>
    private static int? OptInt(JsonElement e, string key, string path)
    {
        if (!e.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Number)
            return null;
        double d = v.GetDouble();
        return d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue
            ? (int)d
            : throw new CheckpointException(path, null, $"'{key}' is {v.GetRawText()}, not a whole number that fits 32 bits.");
    }

    private static double? OptDouble(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>Sizes, θ, ε and scaling factors of 0 or less give no model (or one that outputs NaN everywhere): refused by name.</summary>
    private static int Positive(int value, string key, string path) =>
        value > 0 ? value : throw new CheckpointException(path, null, $"'{key}' is {value}; it must be positive.");

    private static double Positive(double value, string key, string path) =>
        value > 0 && double.IsFinite(value) ? value : throw new CheckpointException(path, null, $"'{key}' is {value}; it must be a positive finite number.");

    private static string? Str(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool? Bool(JsonElement e, string key) =>
        e.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
}
