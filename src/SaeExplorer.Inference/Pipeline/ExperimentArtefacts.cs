using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Exports;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Inference.Pipeline;

/// <summary>
/// The seed's output files, written from a finished run:
/// <list type="bullet">
/// <item><c>activations_layer{L}.pt</c> — <c>torch.load</c>s to a dict: <c>activations</c> float32 [N, d_model] (the
/// residual stream after layer L, pooled per prompt like the features), <c>ids</c>, <c>conditions</c>, <c>topics</c>
/// (lists of N strings, prompt-set order), <c>token_counts</c> int64 [N], <c>layer</c>, <c>pooling</c>, <c>dtype</c>,
/// <c>chat_format</c>, <c>model_fingerprint</c>.</item>
/// <item><c>features_layer{L}.pt</c> — <c>features</c> float32 [N, d_sae] (dense, pooled SAE activations),
/// <c>active_counts</c> int64 [N], the same <c>ids</c>/<c>conditions</c>/<c>topics</c>, <c>layer</c>, <c>pooling</c>,
/// <c>sae_fingerprint</c>.</item>
/// <item><c>feature_diff.json</c> — per-condition counts and the contrasts (see <see cref="FeatureDiff.ToJson"/>); with
/// answers, their per-condition length and max-pooled feature counts under <c>answers</c>.</item>
/// <item><c>answers.jsonl</c> (with answers) — one <see cref="AnswerLine"/> per prompt, prompt-set order.</item>
/// </list>
/// </summary>
public static class ExperimentArtefacts
{
    public static IReadOnlyList<string> Write(ExperimentResult result, int layer, string pooling, string dtype, string directory, ExperimentAnswers? answers = null)
    {
        Directory.CreateDirectory(directory);
        int n = result.Prompts.Count;
        var ids = result.Prompts.Select(p => (object?)p.Prompt.Id).ToList();
        var conditions = result.Prompts.Select(p => (object?)p.Prompt.Condition).ToList();
        var topics = result.Prompts.Select(p => (object?)p.Prompt.Topic).ToList();

        var activations = new float[(long)n * result.DModel];
        var features = new float[(long)n * result.DSae];
        for (int i = 0; i < n; i++)
        {
            var p = result.Prompts[i];
            p.PooledActivations.CopyTo(activations, (long)i * result.DModel);
            for (int k = 0; k < p.PooledFeatures.Indices.Length; k++)
                features[(long)i * result.DSae + p.PooledFeatures.Indices[k]] = p.PooledFeatures.Values[k];
        }

        var activationsPath = Path.Combine(directory, $"activations_layer{layer}.pt");
        TorchSaveWriter.Write(activationsPath, new Dictionary<string, object?>
        {
            ["activations"] = TorchTensorData.Of(activations, n, result.DModel),
            ["ids"] = ids,
            ["conditions"] = conditions,
            ["topics"] = topics,
            ["token_counts"] = TorchTensorData.Of(result.Prompts.Select(p => (long)p.Cached.TokenIds.Length).ToArray(), n),
            ["layer"] = layer,
            ["pooling"] = pooling,
            ["dtype"] = dtype,
            ["chat_format"] = result.ChatFormat.ToString(),
            ["model_fingerprint"] = result.ModelFingerprint,
        });
        var featuresPath = Path.Combine(directory, $"features_layer{layer}.pt");
        TorchSaveWriter.Write(featuresPath, new Dictionary<string, object?>
        {
            ["features"] = TorchTensorData.Of(features, n, result.DSae),
            ["active_counts"] = TorchTensorData.Of(result.Prompts.Select(p => (long)p.PooledFeatures.ActiveCount).ToArray(), n),
            ["ids"] = ids,
            ["conditions"] = conditions,
            ["topics"] = topics,
            ["layer"] = layer,
            ["pooling"] = pooling,
            ["sae_fingerprint"] = result.SaeFingerprint,
        });
        var diffPath = Path.Combine(directory, "feature_diff.json");
        var partial = diffPath + ".partial";
        var conditionOf = result.Prompts.ToDictionary(p => p.Prompt.Id, p => p.Prompt.Condition, StringComparer.Ordinal);
        var counts = answers is null ? null : AnswerFeatureCounts.Summarise(answers.Results.Select(r =>
            new AnswerFeatures(conditionOf[r.Prompt.Id], r.Answer.FinishReason == FinishReasons.Eos, r.Answer.Features!)));
        File.WriteAllText(partial, FeatureDiff.ToJson(result.Report, counts));
        File.Move(partial, diffPath, overwrite: true);
        if (answers is null)
            return [activationsPath, featuresPath, diffPath];
        var answersPath = Path.Combine(directory, "answers.jsonl");
        AnswersFile.Write(answersPath, answers.Lines);
        return [activationsPath, featuresPath, diffPath, answersPath];
    }
}

/// <summary>The experiment's prompts answered (with the run's SAE reading every answer token), and their file lines.</summary>
public sealed record ExperimentAnswers(IReadOnlyList<AnswerResult> Results, IReadOnlyList<AnswerLine> Lines);
