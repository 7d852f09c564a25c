using SaeExplorer.Core.Features;
using SaeExplorer.Core.Umap;

namespace SaeExplorer.Core.Tests.Umap;

/// <summary>Small runs get maps with smaller neighbourhoods, said so (#14 A2: 2 conditions × 3 topics showed "k must be at least 1 and below n/2 = 3").</summary>
public sealed class ConditionEmbeddingsTests
{
    private static (List<float[]> Activations, List<SparseVector> Features, List<string> Conditions) Prompts(int perCondition)
    {
        var rng = new Random(7);
        var activations = new List<float[]>();
        var features = new List<SparseVector>();
        var conditions = new List<string>();
        foreach (var (condition, offset) in new[] { ("novice", 0f), ("expert", 3f) })
        {
            for (int i = 0; i < perCondition; i++)
            {
                activations.Add([.. Enumerable.Range(0, 8).Select(_ => offset + (float)rng.NextDouble())]);
                int first = condition == "novice" ? 0 : 10;
                features.Add(new SparseVector(64, [first, first + 1 + i % 3, 40 + rng.Next(20)], [1f + (float)rng.NextDouble(), 0.5f, 0.25f]));
                conditions.Add(condition);
            }
        }
        return (activations, features, conditions);
    }

    [Theory]
    [InlineData(3, 5, 2)]
    [InlineData(2, 3, 1)]
    [InlineData(8, 15, 7)]
    public void A_small_run_gets_maps_with_fewer_neighbours_and_a_note_saying_so(int perCondition, int k, int trustK)
    {
        var (activations, features, conditions) = Prompts(perCondition);

        var maps = ConditionEmbeddingsBuilder.Compute(activations, features, conditions);

        foreach (var map in new[] { maps.Activations, maps.Features })
        {
            Assert.Equal((k, trustK), (map.K, map.TrustworthinessK));
            Assert.Equal(2 * perCondition, map.Embedding.Length);
            Assert.InRange(map.Quality.Trustworthiness, 0, 1);
            Assert.All(map.Embedding, e => Assert.True(float.IsFinite(e[0]) && float.IsFinite(e[1])));
        }
        Assert.Equal($"{2 * perCondition} prompts: the maps use k = {k} neighbours instead of 15"
            + (trustK < k ? $", and trustworthiness compares k = {trustK} (it needs k below half the prompts)" : "")
            + "; numbers from runs this small are not comparable with a full run's.", maps.SmallRunNote);
    }

    [Fact]
    public void From_31_prompts_on_the_usual_neighbourhoods_are_kept_and_nothing_is_noted()
    {
        var (activations, features, conditions) = Prompts(16);
        var maps = ConditionEmbeddingsBuilder.Compute(activations, features, conditions);
        Assert.Equal((15, 15), (maps.Features.K, maps.Features.TrustworthinessK));
        Assert.Null(maps.SmallRunNote);
    }
}
