using System.Globalization;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Runs.Generation;

/// <summary>
/// How the next token is chosen, as transformers' <c>generate</c> names it. <see cref="Temperature"/> 0 is greedy
/// (the most likely token); above 0 the token is sampled after the repetition penalty, temperature, top-k and top-p,
/// in that order. Each prompt draws its random numbers from its own stream, seeded by <see cref="Seed"/> and the
/// prompt's token ids: an answer does not depend on which other prompts share its batch, or on a resumed run.
/// </summary>
public sealed record DecodingOptions(
    int MaxNewTokens = DecodingOptions.DefaultMaxNewTokens,
    double Temperature = 0,
    double TopP = 1,
    int TopK = 0,
    double RepetitionPenalty = 1,
    ulong Seed = 0)
{
    public const int DefaultMaxNewTokens = 512;

    public bool Greedy => Temperature == 0;

    /// <summary>The options as one line, for answers files and reports (<c>greedy</c> or the sampling settings).</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = new List<string> { Greedy ? "greedy" : string.Create(inv, $"temperature {Temperature}, top-p {TopP}, top-k {TopK}") };
        if (RepetitionPenalty != 1)
            parts.Add(string.Create(inv, $"repetition penalty {RepetitionPenalty}"));
        parts.Add(string.Create(inv, $"max {MaxNewTokens} new tokens"));
        return string.Join(", ", parts);
    }

    /// <summary>Refuses settings that cannot decode, naming the option and the range it takes.</summary>
    public DecodingOptions Validated()
    {
        if (MaxNewTokens < 1)
            throw Bad($"--max-new-tokens must be at least 1, not {MaxNewTokens}.");
        if (!double.IsFinite(Temperature) || Temperature < 0)
            throw Bad($"--temperature must be 0 (greedy) or a positive number, not {Temperature.ToString(CultureInfo.InvariantCulture)}.");
        if (!double.IsFinite(TopP) || TopP <= 0 || TopP > 1)
            throw Bad($"--top-p must be in (0, 1], not {TopP.ToString(CultureInfo.InvariantCulture)}.");
        if (TopK < 0)
            throw Bad($"--top-k must be 0 (off) or a positive number of tokens, not {TopK}.");
        if (!double.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0)
            throw Bad($"--repetition-penalty must be a positive number (1 = off), not {RepetitionPenalty.ToString(CultureInfo.InvariantCulture)}.");
        return this;
    }

    private static SettingsException Bad(string message) => new(SettingsField.Decoding, message);
}
