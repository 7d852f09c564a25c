using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis.Autointerp;

public sealed class ExplanationScoringTests
{
    [Fact]
    public void A_perfect_scorer_gets_balanced_accuracy_one()
    {
        var truths = Truths(30, 70);
        var score = ClassificationScore.From(truths.Select(t => (t, (bool?)t)));
        Assert.Equal(1.0, score.BalancedAccuracy);
        Assert.Equal(1.0, score.Accuracy);
        Assert.Equal(1.0, score.F1);
        Assert.Equal((30, 70, 0), (score.Positives, score.Negatives, score.Unanswered));
    }

    [Fact]
    public void Always_yes_and_always_no_get_one_half_whatever_the_mix()
    {
        var truths = Truths(10, 90);
        var yes = ClassificationScore.From(truths.Select(t => (t, (bool?)true)));
        var no = ClassificationScore.From(truths.Select(t => (t, (bool?)false)));
        Assert.Equal(0.5, yes.BalancedAccuracy);
        Assert.Equal(0.5, no.BalancedAccuracy);
        // Plain accuracy is fooled by the mix: 10% and 90%.
        Assert.Equal(0.1, yes.Accuracy!.Value, 12);
        Assert.Equal(0.9, no.Accuracy!.Value, 12);
        Assert.Equal(0.1, yes.Precision!.Value, 12);
        Assert.Null(no.Precision);
    }

    [Fact]
    public void A_coin_flipping_scorer_gets_about_one_half()
    {
        var truths = Truths(2_000, 8_000);
        var rng = new Random(7);
        var score = ClassificationScore.From(truths.Select(t => (t, (bool?)(rng.NextDouble() < 0.5))));
        // Sd of each recall ≈ sqrt(.25/2000) = 0.011 and sqrt(.25/8000) = 0.0056; the mean's ≈ 0.0062: 4 sd is 0.025.
        Assert.InRange(score.BalancedAccuracy!.Value, 0.475, 0.525);
    }

    [Fact]
    public void Unanswered_questions_are_counted_and_left_out_of_the_rates()
    {
        // 4 positives: 3 right, 1 unanswered; 4 negatives: 2 right, 1 wrong, 1 unanswered.
        (bool, bool?)[] answers = [(true, true), (true, true), (true, true), (true, null), (false, false), (false, false), (false, true), (false, null)];
        var score = ClassificationScore.From(answers);
        Assert.Equal(2, score.Unanswered);
        Assert.Equal(1.0, score.Recall);
        Assert.Equal(2.0 / 3, score.Specificity!.Value, 12);
        Assert.Equal((1 + 2.0 / 3) / 2, score.BalancedAccuracy!.Value, 12);
        Assert.Equal(5.0 / 6, score.Accuracy!.Value, 12);
        Assert.Equal(0.75, score.Precision!.Value, 12);
    }

    [Fact]
    public void Balanced_accuracy_is_undefined_without_both_classes()
    {
        var score = ClassificationScore.From([(true, true), (true, false)]);
        Assert.Equal(0.5, score.Recall);
        Assert.Null(score.Specificity);
        Assert.Null(score.BalancedAccuracy);
    }

    [Fact]
    public void Detection_asks_about_every_held_out_example_with_its_truth()
    {
        var set = Set();
        var items = ScoringItems.Detection(set, seed: 1);
        Assert.Equal(set.Test.Count, items.Count);
        Assert.All(items, i => Assert.Equal(i.Example.Activates, i.Truth));
        Assert.All(items, i => Assert.Empty(i.Marked));
        Assert.Equal(set.Test.Select(e => e.DocumentId).Order(), items.Select(i => i.Example.DocumentId).Order());
        // Shuffled, but the same way for the same seed.
        Assert.Equal(items.Select(i => i.Example.DocumentId), ScoringItems.Detection(set, seed: 1).Select(i => i.Example.DocumentId));
    }

    [Fact]
    public void Fuzzing_marks_the_activating_tokens_for_yes_and_silent_or_random_tokens_for_no()
    {
        var set = Set();
        var items = ScoringItems.Fuzzing(set, seed: 3);
        var activating = set.Test.Count(e => e.Activates);
        Assert.Equal(set.Test.Count, items.Count);
        Assert.Equal((activating + 1) / 2, items.Count(i => i.Truth));
        foreach (var item in items)
        {
            var e = item.Example;
            Assert.NotEmpty(item.Marked);
            Assert.All(item.Marked, t => Assert.InRange(t, 0, e.Tokens.Count - 1));
            if (item.Truth)
                Assert.Equal(Enumerable.Range(0, e.Tokens.Count).Where(t => e.Activations[t] > 0), item.Marked);
            else if (e.Activates)
                Assert.All(item.Marked, t => Assert.Equal(0f, e.Activations[t]));
        }
        // A scorer that reads the truth off the marks gets 1.0; one that says yes to everything 0.5.
        Assert.Equal(1.0, ClassificationScore.From(items.Select(i => (i.Truth, (bool?)i.Marked.All(t => i.Example.Activations[t] > 0)))).BalancedAccuracy);
        Assert.Equal(0.5, ClassificationScore.From(items.Select(i => (i.Truth, (bool?)true))).BalancedAccuracy);
    }

    private static bool[] Truths(int positives, int negatives) =>
        Enumerable.Repeat(true, positives).Concat(Enumerable.Repeat(false, negatives)).ToArray();

    private static FeatureExampleSet Set()
    {
        // 20 documents of 12 tokens; feature 0 fires on tokens 3 and 4 of the first 12 documents.
        var docs = Enumerable.Range(0, 20).Select(i =>
        {
            var dense = new float[12 * 4];
            if (i < 12)
            {
                dense[3 * 4] = 1 + i;
                dense[4 * 4] = 0.5f;
            }
            dense[7 * 4 + 2] = 1;
            return new ExampleDocument($"d{i}", i % 2 == 0 ? "a" : "b", ExampleDocument.PromptSource,
                Enumerable.Range(0, 12).Select(t => $" w{t}").ToArray(), SparseFeatureMatrix.FromDense(dense, 12, 4));
        }).ToList();
        return new ExampleSampler(docs).Sample(0, new ExampleOptions(Explain: 6, Test: 6, Random: 4, Similar: 2, Window: 4, Quantiles: 3));
    }
}
