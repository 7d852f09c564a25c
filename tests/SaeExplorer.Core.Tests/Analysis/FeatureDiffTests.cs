using System.Text.Json;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis;

public sealed class FeatureDiffTests
{
    private static PooledPrompt P(string id, params (int Feature, float Value)[] active)
    {
        var condition = id.Split('/')[0];
        var sorted = active.OrderBy(a => a.Feature).ToArray();
        return new PooledPrompt(id, condition, id.Split('/')[1], new SparseVector(8, sorted.Select(a => a.Feature).ToArray(), sorted.Select(a => a.Value).ToArray()));
    }

    // Features 0..7. Per prompt: active count, max, mean of active values.
    private static readonly PooledPrompt[] Prompts =
    [
        P("plain/t1", (0, 1), (1, 2), (2, 3)),          // 3, max 3, mean 6/3 = 2
        P("fancy/t1", (1, 1), (5, 2), (6, 6)),          // 3, max 6, mean 9/3 = 3
        P("plain/t2", (0, 3), (1, 1)),                  // 2, max 3, mean 4/2 = 2
        P("fancy/t2", (1, 2), (5, 4)),                  // 2, max 4, mean 6/2 = 3
        P("plain/t3", (0, 2), (1, 4), (3, 2), (4, 4)),  // 4, max 4, mean 12/4 = 3
        P("fancy/t3", (1, 3), (3, 1), (5, 5)),          // 3, max 5, mean 9/3 = 3
        P("solo/t1", (0, 1), (7, 0.5f)),                // 2, max 1, mean 1.5/2 = 0.75
    ];

    [Fact]
    public void Condition_summaries_in_order_of_first_appearance()
    {
        var s = FeatureDiff.SummarizeConditions(Prompts);
        Assert.Equal(["plain", "fancy", "solo"], s.Select(c => c.Name));

        // plain: first plain/t1 (3 active, max 3); mean active (3+2+4)/3 = 3; mean max (3+3+4)/3 = 10/3.
        Assert.Equal(new FirstSample("plain/t1", 3, 3f), s[0].FirstSample);
        Assert.Equal(3, s[0].PromptCount);
        Assert.Equal(3.0, s[0].MeanActiveCount, 12);
        Assert.Equal(10.0 / 3, s[0].MeanMaxActivation, 12);

        // fancy: first fancy/t1 (3 active, max 6); mean active (3+2+3)/3 = 8/3; mean max (6+4+5)/3 = 5.
        Assert.Equal(new FirstSample("fancy/t1", 3, 6f), s[1].FirstSample);
        Assert.Equal(8.0 / 3, s[1].MeanActiveCount, 12);
        Assert.Equal(5.0, s[1].MeanMaxActivation, 12);

        // solo has one prompt: its averages are that prompt's numbers.
        Assert.Equal(new FirstSample("solo/t1", 2, 1f), s[2].FirstSample);
        Assert.Equal(1, s[2].PromptCount);
        Assert.Equal(2.0, s[2].MeanActiveCount, 12);
        Assert.Equal(1.0, s[2].MeanMaxActivation, 12);
    }

    [Fact]
    public void Pair_contrast()
    {
        var r = FeatureDiff.Compare(Prompts, new Contrast("plain", "fancy"));
        Assert.Equal((3, 3), (r.PromptCountA, r.PromptCountB));
        // Mean active: plain (3+2+4)/3 = 3, fancy (3+2+3)/3 = 8/3.
        Assert.Equal(3.0, r.MeanActiveCountA, 12);
        Assert.Equal(8.0 / 3, r.MeanActiveCountB, 12);
        // Unions: plain {0,1,2,3,4}, fancy {1,3,5,6}; only-plain {0,2,4}, only-fancy {5,6}.
        Assert.Equal((5, 4), (r.UnionA, r.UnionB));
        Assert.Equal((3, 2), (r.ExclusiveToA, r.ExclusiveToB));
        // Strength: plain (2+2+3)/3 = 7/3, fancy (3+3+3)/3 = 3.
        Assert.Equal(7.0 / 3, r.MeanActivationA, 12);
        Assert.Equal(3.0, r.MeanActivationB, 12);
        // In every plain prompt: 0 and 1; 1 is also in every fancy prompt, so it separates nothing. 0: (1+3+2)/3 = 2.
        Assert.Equal([new SeparatingFeature(0, 2.0)], r.AlwaysANeverB);
        // In every fancy prompt: 1 and 5; 5: (2+4+5)/3 = 11/3.
        Assert.Equal(5, Assert.Single(r.AlwaysBNeverA).Feature);
        Assert.Equal(11.0 / 3, r.AlwaysBNeverA[0].MeanActivation, 12);
    }

    [Fact]
    public void One_versus_rest_contrast()
    {
        var r = FeatureDiff.Compare(Prompts, new Contrast("plain", null));
        // Rest = the 3 fancy prompts and solo/t1.
        Assert.Equal((3, 4), (r.PromptCountA, r.PromptCountB));
        Assert.Equal(3.0, r.MeanActiveCountA, 12);
        Assert.Equal((3 + 2 + 3 + 2) / 4.0, r.MeanActiveCountB, 12);
        // Rest union {0,1,3,5,6,7}: solo/t1 has feature 0, so only {2,4} is plain's alone; {5,6,7} is the rest's alone.
        Assert.Equal((5, 6), (r.UnionA, r.UnionB));
        Assert.Equal((2, 3), (r.ExclusiveToA, r.ExclusiveToB));
        Assert.Equal(7.0 / 3, r.MeanActivationA, 12);
        Assert.Equal((3 + 3 + 3 + 0.75) / 4, r.MeanActivationB, 12);
        // Feature 0 is in every plain prompt but also in solo/t1; nothing is in all four rest prompts.
        Assert.Empty(r.AlwaysANeverB);
        Assert.Empty(r.AlwaysBNeverA);
    }

    [Fact]
    public void A_condition_with_one_prompt_against_the_rest()
    {
        var r = FeatureDiff.Compare(Prompts, new Contrast("solo", null));
        Assert.Equal((1, 6), (r.PromptCountA, r.PromptCountB));
        Assert.Equal(2.0, r.MeanActiveCountA, 12);
        Assert.Equal((3 + 2 + 4 + 3 + 2 + 3) / 6.0, r.MeanActiveCountB, 12);
        // solo {0,7}; rest {0,1,2,3,4,5,6}.
        Assert.Equal((2, 7), (r.UnionA, r.UnionB));
        Assert.Equal((1, 6), (r.ExclusiveToA, r.ExclusiveToB));
        Assert.Equal(0.75, r.MeanActivationA, 12);
        Assert.Equal((2 + 2 + 3 + 3 + 3 + 3) / 6.0, r.MeanActivationB, 12);
        // With one prompt, "in all A prompts" is "in that prompt": 7 (0.5) separates, 0 is also in plain.
        Assert.Equal([new SeparatingFeature(7, 0.5)], r.AlwaysANeverB);
        // Feature 1 is in all six plain and fancy prompts and not in solo: (2+1+4+1+2+3)/6 = 13/6.
        Assert.Equal(1, Assert.Single(r.AlwaysBNeverA).Feature);
        Assert.Equal(13.0 / 6, r.AlwaysBNeverA[0].MeanActivation, 12);
    }

    [Fact]
    public void Separating_features_are_sorted_by_mean_activation_then_index()
    {
        PooledPrompt[] prompts =
        [
            P("a/x", (0, 1), (1, 5), (2, 2), (4, 1)),
            P("a/y", (0, 3), (1, 1), (2, 2), (4, 1)),
            P("b/x", (3, 1), (4, 2)),
        ];
        var r = FeatureDiff.Compare(prompts, new Contrast("a", "b"));
        // f0 (1+3)/2 = 2, f1 (5+1)/2 = 3, f2 (2+2)/2 = 2; f4 is on both sides.
        Assert.Equal([new SeparatingFeature(1, 3), new SeparatingFeature(0, 2), new SeparatingFeature(2, 2)], r.AlwaysANeverB);
        Assert.Equal([new SeparatingFeature(3, 1)], r.AlwaysBNeverA);
    }

    [Fact]
    public void A_prompt_with_no_active_features_counts_in_the_active_count_but_not_the_strength()
    {
        PooledPrompt[] prompts = [P("a/x"), P("a/y", (0, 2), (1, 4)), P("b/x", (0, 1))];
        var summary = FeatureDiff.SummarizeConditions(prompts)[0];
        Assert.Equal(new FirstSample("a/x", 0, 0f), summary.FirstSample);
        Assert.Equal(1.0, summary.MeanActiveCount, 12);   // (0+2)/2
        Assert.Equal(2.0, summary.MeanMaxActivation, 12); // (0+4)/2

        var r = FeatureDiff.Compare(prompts, new Contrast("a", "b"));
        Assert.Equal(1.0, r.MeanActiveCountA, 12);
        Assert.Equal(3.0, r.MeanActivationA, 12);         // only a/y: (2+4)/2
        Assert.Empty(r.AlwaysANeverB);                    // nothing is active in a/x
        Assert.Equal((1, 0), (r.ExclusiveToA, r.ExclusiveToB));
    }

    [Fact]
    public void Unknown_or_ambiguous_contrasts_are_clear_errors()
    {
        var e = Assert.Throws<ArgumentException>(() => FeatureDiff.Compare(Prompts, new Contrast("plian", "fancy")));
        Assert.Equal("unknown condition 'plian'; the prompts have: plain, fancy, solo.", e.Message);
        e = Assert.Throws<ArgumentException>(() => FeatureDiff.Compare(Prompts, new Contrast("plain", "expert")));
        Assert.Equal("unknown condition 'expert'; the prompts have: plain, fancy, solo.", e.Message);
        e = Assert.Throws<ArgumentException>(() => FeatureDiff.Compare(Prompts, new Contrast("plain", "plain")));
        Assert.StartsWith("contrast compares condition 'plain' with itself.", e.Message);
        e = Assert.Throws<ArgumentException>(() => FeatureDiff.Compare(Prompts.Where(p => p.Condition == "plain").ToArray(), new Contrast("plain", null)));
        Assert.StartsWith("condition 'plain' has no other conditions to be compared with.", e.Message);
        e = Assert.Throws<ArgumentException>(() => FeatureDiff.Compare([P("rest/x", (0, 1)), P("a/x", (0, 1))], new Contrast("a", null)));
        Assert.Contains("a condition is named 'rest'", e.Message);
    }

    [Fact]
    public void Inconsistent_input_is_rejected()
    {
        Assert.Contains("no pooled prompts", Assert.Throws<ArgumentException>(() => FeatureDiff.SummarizeConditions([])).Message);
        Assert.Contains("prompt id 'a/x' appears twice",
            Assert.Throws<ArgumentException>(() => FeatureDiff.SummarizeConditions([P("a/x", (0, 1)), P("a/x", (1, 1))])).Message);
        var otherSae = new PooledPrompt("b/x", "b", "x", new SparseVector(16, [0], [1f]));
        Assert.Contains("prompt 'b/x' has 16 features but 'a/x' has 8",
            Assert.Throws<ArgumentException>(() => FeatureDiff.SummarizeConditions([P("a/x", (0, 1)), otherSae])).Message);
        Assert.Contains("non-finite activation",
            Assert.Throws<ArgumentException>(() => FeatureDiff.SummarizeConditions([P("a/x", (0, float.NaN))])).Message);
    }

    [Fact]
    public void ToJson_writes_the_feature_diff_file_format()
    {
        PooledPrompt[] prompts =
        [
            P("a/x", (0, 0.3f), (2, 1.5f)),
            P("b/x", (1, 2)),
            P("a/y", (0, 0.5f), (1, 1)),
            P("b/y", (1, 4), (3, 1)),
        ];
        var report = FeatureDiff.Analyze(prompts, [new Contrast("a", "b"), new Contrast("b", null)]);
        // a: counts 2, 2 → 2; maxima 1.5, 1 → 1.25. b: counts 1, 2 → 1.5; maxima 2, 4 → 3.
        // a vs b: unions {0,1,2} / {1,3}; only-a {0,2}, only-b {3}; strength a ((0.3+1.5)/2 + (0.5+1)/2)/2 = 0.825
        //   (0.3f is 0.30000001192..., hence the tail), b (2 + 2.5)/2 = 2.25; always a: 0 (0.3+0.5)/2 = 0.4;
        //   always b: 1, but a/y has it; so none.
        // b vs rest is b vs a mirrored.
        var expected = """
            {
              "conditions": {
                "a": {
                  "first_sample": {
                    "id": "a/x",
                    "active_count": 2,
                    "max_activation": 1.5
                  },
                  "mean_active_count": 2,
                  "mean_max_activation": 1.25,
                  "prompts": 2
                },
                "b": {
                  "first_sample": {
                    "id": "b/x",
                    "active_count": 1,
                    "max_activation": 2
                  },
                  "mean_active_count": 1.5,
                  "mean_max_activation": 3,
                  "prompts": 2
                }
              },
              "contrasts": [
                {
                  "a": "a",
                  "b": "b",
                  "prompts_a": 2,
                  "prompts_b": 2,
                  "mean_active_count_a": 2,
                  "mean_active_count_b": 1.5,
                  "union_a": 3,
                  "union_b": 2,
                  "exclusive_to_a": 2,
                  "exclusive_to_b": 1,
                  "mean_activation_a": 0.8250000029802322,
                  "mean_activation_b": 2.25,
                  "always_a_never_b": [
                    {
                      "feature": 0,
                      "mean_activation": 0.4000000059604645
                    }
                  ],
                  "always_b_never_a": []
                },
                {
                  "a": "b",
                  "b": "rest",
                  "prompts_a": 2,
                  "prompts_b": 2,
                  "mean_active_count_a": 1.5,
                  "mean_active_count_b": 2,
                  "union_a": 2,
                  "union_b": 3,
                  "exclusive_to_a": 1,
                  "exclusive_to_b": 2,
                  "mean_activation_a": 2.25,
                  "mean_activation_b": 0.8250000029802322,
                  "always_a_never_b": [],
                  "always_b_never_a": [
                    {
                      "feature": 0,
                      "mean_activation": 0.4000000059604645
                    }
                  ]
                }
              ]
            }

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), FeatureDiff.ToJson(report));
        using var doc = JsonDocument.Parse(FeatureDiff.ToJson(report));
        Assert.Equal(1.25, doc.RootElement.GetProperty("conditions").GetProperty("a").GetProperty("mean_max_activation").GetDouble());
    }
}
