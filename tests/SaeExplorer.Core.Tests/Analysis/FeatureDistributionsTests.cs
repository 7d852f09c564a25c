using System.Text.Json;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class FeatureDistributionsTests
{
    private static PooledPrompt P(string id, params (int Feature, float Value)[] active)
    {
        var parts = id.Split('/');
        return new PooledPrompt(id, parts[0], parts[1], new SparseVector(10, active.Select(a => a.Feature).ToArray(), active.Select(a => a.Value).ToArray()));
    }

    private static readonly PooledPrompt[] Prompts =
    [
        P("novice/a", (2, 1f), (7, 4f)),
        P("expert/a", (7, 2f)),
        P("novice/b", (2, 3f)),
        P("novice/c", (2, 2.5f), (7, 1f)),
        P("expert/b"),
    ];

    [Fact]
    public void Per_condition_counts_and_values()
    {
        var d = FeatureDistributions.Compute(Prompts, [7, 2, 9]);
        Assert.Equal([7, 2, 9], d.Select(f => f.Feature));
        var f7 = d[0];
        Assert.Equal(["novice", "expert"], f7.Conditions.Select(c => c.Condition));
        var novice = f7.Conditions[0];
        // Latent 7 in novice: a = 4, b inactive, c = 1 → 2 of 3, mean 2.5, median (1 + 4)/2 = 2.5, max 4.
        Assert.Equal((3, 2), (novice.PromptCount, novice.ActiveCount));
        Assert.Equal(2.0 / 3, novice.ActiveFraction, 15);
        Assert.Equal((2.5, 2.5, 4.0), (novice.MeanWhenActive, novice.MedianWhenActive, novice.MaxWhenActive));
        Assert.Equal(["novice/a", "novice/b", "novice/c"], novice.PromptIds);
        Assert.Equal([4.0, 0.0, 1.0], novice.Values);
        // Latent 2 in novice: 1, 3, 2.5 → median 2.5, mean 6.5/3.
        Assert.Equal(2.5, d[1].Conditions[0].MedianWhenActive);
        Assert.Equal(6.5 / 3, d[1].Conditions[0].MeanWhenActive!.Value, 15);
        // Never active: counts 0 and no statistics.
        var expert9 = d[2].Conditions[1];
        Assert.Equal((2, 0, 0.0), (expert9.PromptCount, expert9.ActiveCount, expert9.ActiveFraction));
        Assert.Null(expert9.MeanWhenActive);
        Assert.Null(expert9.MaxWhenActive);
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureDistributions.Compute(Prompts, [10]));
    }

    [Fact]
    public void Json_layout()
    {
        var json = FeatureDistributions.ToJson(FeatureDistributions.Compute(Prompts, [7, 9]));
        using var doc = JsonDocument.Parse(json);
        var f7 = doc.RootElement.GetProperty("features")[0];
        Assert.Equal(7, f7.GetProperty("feature").GetInt32());
        var expert = f7.GetProperty("conditions").GetProperty("expert");
        Assert.Equal(2, expert.GetProperty("prompts").GetInt32());
        Assert.Equal(1, expert.GetProperty("active").GetInt32());
        Assert.Equal(0.5, expert.GetProperty("fraction").GetDouble());
        Assert.Equal(2.0, expert.GetProperty("median_when_active").GetDouble());
        Assert.Equal(["expert/a", "expert/b"], expert.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([2.0, 0.0], expert.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()));
        var never = doc.RootElement.GetProperty("features")[1].GetProperty("conditions").GetProperty("novice");
        Assert.Equal(JsonValueKind.Null, never.GetProperty("mean_when_active").ValueKind);
    }
}
