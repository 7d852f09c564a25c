using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Runs.Tests.Generation;

public sealed class AnswerSettingsTests
{
    private static readonly AnswerSettings Base = new("model-fp", "sae-fp", 50, "bfloat16", new DecodingOptions(64), [FeatureIntervention.Add(7, 4f)], InterventionScope.All);
    private static readonly int[] Prompt = [128000, 9906, 1917];

    [Fact]
    public void Every_setting_that_changes_an_answer_changes_the_key_and_nothing_else_does()
    {
        var key = Base.Key(Prompt);
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.Equal(key, (Base with { Interventions = [FeatureIntervention.Add(7, 4f)] }).Key(Prompt));
        var changed = new[]
        {
            (Base with { ModelFingerprint = "other" }).Key(Prompt),
            (Base with { SaeFingerprint = null }).Key(Prompt),
            (Base with { Layer = 49 }).Key(Prompt),
            (Base with { DType = "float32" }).Key(Prompt),
            (Base with { Decoding = new DecodingOptions(65) }).Key(Prompt),
            (Base with { Decoding = new DecodingOptions(64, Temperature: 0.7) }).Key(Prompt),
            (Base with { Decoding = new DecodingOptions(64, Seed: 1) }).Key(Prompt),
            (Base with { Decoding = new DecodingOptions(64, RepetitionPenalty: 1.1) }).Key(Prompt),
            (Base with { Interventions = [FeatureIntervention.Add(7, 4f, normalize: true)] }).Key(Prompt),
            (Base with { Interventions = [FeatureIntervention.Clamp(7, 4f)] }).Key(Prompt),
            (Base with { Interventions = [] }).Key(Prompt),
            (Base with { Scope = InterventionScope.Generated }).Key(Prompt),
            Base.Key([128000, 9906]),
        };
        Assert.Equal(changed.Length + 1, changed.Append(key).Distinct().Count());
    }

    [Fact]
    public void Without_interventions_the_scope_does_not_matter()
    {
        var plain = Base with { Interventions = [] };
        Assert.Equal(plain.Key(Prompt), (plain with { Scope = InterventionScope.Generated }).Key(Prompt));
    }

    [Theory]
    [InlineData(InterventionKind.Add, "12:4", false, "add 12:4")]
    [InlineData(InterventionKind.Add, "12:-2.5", false, "add 12:-2.5")]
    [InlineData(InterventionKind.Clamp, "3:0.5", false, "clamp 3:0.5")]
    [InlineData(InterventionKind.Clamp, "3", true, "ablate 3")]
    public void Interventions_parse_from_the_command_line_form(InterventionKind kind, string text, bool ablate, string shown) =>
        Assert.Equal(shown, FeatureIntervention.Parse(kind, text, ablate).ToString());

    [Theory]
    [InlineData("12", "--add '12': expected F:V")]
    [InlineData("x:1", "--add 'x:1': expected F:V")]
    [InlineData("-1:1", "a feature index is 0 or more")]
    [InlineData("1:inf", "the value must be a finite number")]
    public void A_malformed_intervention_names_the_option_and_the_form(string text, string message) =>
        Assert.Contains(message, Assert.Throws<SettingsException>(() => FeatureIntervention.Parse(InterventionKind.Add, text)).Message);

    [Fact]
    public void Decoding_options_outside_their_ranges_are_refused_by_option_name()
    {
        Assert.Contains("--top-k", Assert.Throws<SettingsException>(() => new DecodingOptions(TopK: -1).Validated()).Message);
        Assert.Contains("--repetition-penalty", Assert.Throws<SettingsException>(() => new DecodingOptions(RepetitionPenalty: 0).Validated()).Message);
        Assert.Contains("--temperature", Assert.Throws<SettingsException>(() => new DecodingOptions(Temperature: -1).Validated()).Message);
        Assert.Equal("temperature 0.7, top-p 0.9, top-k 40, max 128 new tokens", new DecodingOptions(128, 0.7, 0.9, 40).Describe());
    }
}
