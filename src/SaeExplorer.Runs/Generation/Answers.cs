using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Runs.Generation;

/// <summary>How an answer ended: a stop id (<c>eos</c>) or <c>max_new_tokens</c> (<c>length</c>), as answers files name it.</summary>
public static class FinishReasons
{
    public const string Eos = "eos";
    public const string Length = "length";
}

/// <summary>
/// Everything that decides an answer's tokens besides the prompt: the model and SAE (by content fingerprint), the
/// layer, dtype, decoding and interventions. Batch size and device are left out on purpose: they do not change an
/// answer (each prompt decodes as if alone, with its own random stream).
/// </summary>
public sealed record AnswerSettings(
    string ModelFingerprint,
    string? SaeFingerprint,
    int? Layer,
    string DType,
    DecodingOptions Decoding,
    IReadOnlyList<FeatureIntervention> Interventions,
    InterventionScope Scope)
{
    /// <summary>
    /// Lowercase hex SHA-256 of one line per part (<c>saex.answer-key.v1</c>, fingerprints, layer, dtype, decoding,
    /// interventions in the given order, scope) and the prompt's ids; the numbers in invariant round-trip form.
    /// </summary>
    public string Key(IReadOnlyList<int> promptIds)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append("saex.answer-key.v1\n");
        text.Append(ModelFingerprint).Append('\n');
        text.Append(SaeFingerprint ?? "-").Append('\n');
        text.Append(Layer?.ToString(inv) ?? "-").Append('\n');
        text.Append(DType).Append('\n');
        var d = Decoding;
        text.Append(string.Create(inv, $"{d.MaxNewTokens} {d.Temperature:R} {d.TopP:R} {d.TopK} {d.RepetitionPenalty:R} {d.Seed}\n"));
        foreach (var i in Interventions)
            text.Append(string.Create(inv, $"{i.Kind} {i.Feature} {i.Value:R} {i.Normalize}\n"));
        text.Append(Interventions.Count == 0 ? "-" : Scope.ToString()).Append('\n');
        text.Append(string.Join(',', promptIds.Select(id => id.ToString(inv))));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>One prompt's answer as it is kept: the prompt and answer ids, how it ended, the time it took, its features.</summary>
/// <param name="Features">per generated token, at the SAE's layer; null when no SAE was given</param>
public sealed record StoredAnswer(int[] PromptIds, int[] NewIds, string FinishReason, double Seconds, SparseFeatureMatrix? Features);

/// <summary>Where answers live between runs, keyed by <see cref="AnswerSettings.Key"/>; each put is atomic.</summary>
public interface IAnswerStore
{
    bool TryGetAnswer(string key, [NotNullWhen(true)] out StoredAnswer? answer);

    /// <summary>Whether an answer is stored under <paramref name="key"/>, without reading it.</summary>
    bool ContainsAnswer(string key);

    void PutAnswer(string key, StoredAnswer answer);
}
