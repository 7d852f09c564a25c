using System.Text.Json.Nodes;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Inference.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Demo;

/// <summary>
/// The demo model's SAE: untrained, but calibrated so that its activity looks like a trained ReLU SAE's. Decoder
/// rows are random unit directions and the encoder columns the same directions times one fitted scale;
/// <c>b_dec</c> is the mean residual, so the encoder sees centred activations; and each latent's <c>b_enc</c> puts
/// its threshold at the (1 − <see cref="FiringRate"/>) quantile of its pre-activation, so it fires on about that
/// fraction of tokens.
/// </summary>
/// <remarks>
/// The directions come from <see cref="DemoRandom"/>, the statistics from running the model in libtorch (float32,
/// CPU). The file repeats byte for byte on one machine, whatever libtorch's thread count; libtorch's kernels for
/// another instruction set round differently (forcing AVX2 instead of AVX-512 moved b_dec by up to 2·10⁻⁷ and
/// b_enc by up to 7·10⁻⁶), so another machine's SAE can differ in the last bits while firing the same way.
/// </remarks>
internal static class DemoSae
{
    public const int Width = 4096;

    /// <summary>
    /// Fraction of the calibration tokens each latent fires on. 4096 × 2% ≈ 82 latents per distinct context; counted
    /// over every token of a prompt, where the chat template's early positions weigh more, the mean comes out near 100.
    /// </summary>
    public const double FiringRate = 0.02;

    /// <summary>
    /// Every third topic of the built-in seed design under all six styles: 102 prompts, which leaves 198 prompts on
    /// unseen topics to check that the calibration carries over.
    /// </summary>
    public static PromptSet CalibrationPromptSet()
    {
        var seed = PromptSets.BuiltIn();
        return seed with { Topics = seed.Topics.Where((_, i) => i % 3 == 0).ToList() };
    }

    /// <summary>
    /// The residual rows [tokens × d_model] at <paramref name="layer"/> of the tokens of <paramref name="prompts"/>,
    /// each distinct context once: a token's residual depends only on the tokens up to it, so rows of a shared
    /// prefix (the chat template's system block opens every prompt) are identical and would otherwise be counted
    /// once per prompt.
    /// </summary>
    public static (float[] Rows, int Count) DistinctResiduals(LlamaForCausalLM model, IReadOnlyList<int[]> prompts, int layer, CancellationToken cancellation)
    {
        var residuals = new float[prompts.Count][];
        foreach (var captured in new ResidualCapture(model).Run(prompts, [layer], batchSize: 32, cancellation))
            residuals[captured.Index] = captured.ResidPost[layer];

        int dModel = model.Config.HiddenSize;
        var prefixes = new Dictionary<(int Parent, int Token), int>();
        var rows = new List<float>();
        for (int p = 0; p < prompts.Count; p++)
        {
            int node = -1;
            for (int position = 0; position < prompts[p].Length; position++)
            {
                if (!prefixes.TryGetValue((node, prompts[p][position]), out int next))
                {
                    next = prefixes.Count;
                    prefixes.Add((node, prompts[p][position]), next);
                    rows.AddRange(residuals[p].AsSpan(position * dModel, dModel));
                }
                node = next;
            }
        }
        return (rows.ToArray(), prefixes.Count);
    }

    /// <summary>Calibrates the SAE on the demo model in <paramref name="modelDirectory"/> and writes it in SAELens's format.</summary>
    public static void Write(string saeDirectory, string modelDirectory, int layer, ulong seed, IProgress<string>? progress, CancellationToken cancellation)
    {
        var prompts = PromptSets.Expand(CalibrationPromptSet());
        var format = ChatFormats.Resolve("auto", modelDirectory);
        var config = LlamaConfig.Load(Path.Combine(modelDirectory, "config.json"));
        // The embedded tokenizer is what was just written to tokenizer.json, and it is parsed once per process.
        var encoder = new PromptEncoder(Llama3Tokenizer.LoadEmbedded(), format, config.MaxPositionEmbeddings);
        var ids = prompts.Select(p => encoder.Encode(p.Messages).Ids).ToList();

        progress?.Report($"capturing layer-{layer} residuals of {prompts.Count} calibration prompts");
        float[] rows;
        int count;
        using (var model = LlamaForCausalLM.Load(modelDirectory, layer, withHead: false, ScalarType.Float32, CPU))
            (rows, count) = DistinctResiduals(model, ids, layer, cancellation);
        cancellation.ThrowIfCancellationRequested();

        int dIn = config.HiddenSize;
        // The SAE draws from its own stream, so the SAE can change without changing the model's weights.
        var directions = new DemoRandom(seed + 1).UnitVectors(Width, dIn);

        var bDec = MeanRow(rows, count, dIn);

        // A latent fires where its pre-activation exceeds the k-th smallest value, on count − k tokens.
        int firing = Math.Max(1, (int)Math.Round(count * FiringRate));
        float[] pre, thresholds;
        using (var scope = NewDisposeScope())
        {
            var preActivations = (tensor(rows, [count, dIn]) - tensor(bDec)).matmul(tensor(directions, [Width, dIn]).t());
            pre = preActivations.data<float>().ToArray();
            thresholds = preActivations.kthvalue(count - firing, dim: 0).values.data<float>().ToArray();
        }

        double scale = EncoderScale(rows, count, dIn, pre, thresholds, directions, bDec);
        progress?.Report($"calibrating SAE on {prompts.Count} prompts: {count} distinct tokens, each latent firing on {firing}, encoder scale {scale:G4}");

        var wEnc = new float[dIn * Width];
        var bEnc = new float[Width];
        for (int i = 0; i < Width; i++)
        {
            for (int d = 0; d < dIn; d++)
                wEnc[d * Width + i] = (float)(scale * directions[i * dIn + d]);
            bEnc[i] = (float)(-scale * thresholds[i]);
        }

        WriteFiles(saeDirectory, layer, config.MaxPositionEmbeddings, wEnc, bEnc, directions, bDec, progress);
    }

    /// <summary>The mean of <paramref name="count"/> rows of width <paramref name="width"/> (the decoder bias: the SAE centres on the data).</summary>
    private static float[] MeanRow(float[] rows, int count, int width)
    {
        var mean = new float[width];
        for (int d = 0; d < width; d++)
        {
            double sum = 0;
            for (int t = 0; t < count; t++)
                sum += rows[t * width + d];
            mean[d] = (float)(sum / count);
        }
        return mean;
    }

    /// <summary>
    /// With unit encoder columns a latent's activation is its overshoot past the threshold, and ~80 of them summed
    /// along unit decoder directions overshoot the residual (explained variance −1.2 on the seed prompts). One
    /// scale for all encoder columns, fitted by least squares over the calibration tokens, brings it to 0.65
    /// without changing which latents fire. The sums run here in a fixed order: libtorch's split of a long
    /// reduction depends on its thread count, and this one number touches every encoder weight.
    /// </summary>
    private static double EncoderScale(float[] rows, int count, int dIn, float[] pre, float[] thresholds, float[] directions, float[] bDec)
    {
        double fit = 0, norm = 0;
        var reconstruction = new double[dIn];
        for (int t = 0; t < count; t++)
        {
            Array.Clear(reconstruction);
            for (int i = 0; i < Width; i++)
            {
                double activation = (double)pre[(long)t * Width + i] - thresholds[i];
                if (activation > 0)
                    for (int d = 0; d < dIn; d++)
                        reconstruction[d] += activation * directions[i * dIn + d];
            }
            for (int d = 0; d < dIn; d++)
            {
                fit += ((double)rows[t * dIn + d] - bDec[d]) * reconstruction[d];
                norm += reconstruction[d] * reconstruction[d];
            }
        }
        return fit / norm;
    }

    /// <summary>cfg.json and sae_weights.safetensors in SAELens's format, trained (as the config says) on <paramref name="layer"/>.</summary>
    private static void WriteFiles(string saeDirectory, int layer, int contextSize, float[] wEnc, float[] bEnc, float[] directions, float[] bDec, IProgress<string>? progress)
    {
        int dIn = bDec.Length;
        Directory.CreateDirectory(saeDirectory);
        DemoCheckpoint.WriteJson(Path.Combine(saeDirectory, "cfg.json"), new JsonObject
        {
            ["architecture"] = "standard",
            ["d_in"] = dIn,
            ["d_sae"] = Width,
            ["dtype"] = "float32",
            ["device"] = "cpu",
            ["model_name"] = "saeexplorer-demo-llama",
            ["hook_name"] = $"blocks.{layer}.hook_resid_post",
            ["hook_layer"] = layer,
            ["hook_head_index"] = null,
            ["activation_fn_str"] = "relu",
            ["apply_b_dec_to_input"] = true,
            ["finetuning_scaling_factor"] = false,
            ["normalize_activations"] = "none",
            ["prepend_bos"] = true,
            ["context_size"] = contextSize,
            ["dataset_path"] = "",
            ["neuronpedia_id"] = null,
        });
        progress?.Report("writing SAE weights");
        Inference.Loading.SafetensorsWriter.WriteFloat32(Path.Combine(saeDirectory, "sae_weights.safetensors"),
        [
            ("W_enc", [dIn, Width], wEnc),
            ("b_enc", [Width], bEnc),
            ("W_dec", [Width, dIn], directions),
            ("b_dec", [dIn], bDec),
        ]);
    }
}
