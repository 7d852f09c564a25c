using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class BradleyTerryTests
{
    private static readonly BradleyTerryOptions Exact = new(L2Penalty: 0, Resamples: 200, Seed: 5);

    private static double Sigmoid(double eta) => 1 / (1 + Math.Exp(-eta));

    private static IEnumerable<PairwiseOutcome> Repeat(int a, int b, double outcome, int times) =>
        Enumerable.Repeat(new PairwiseOutcome(a, b, outcome), times);

    [Fact]
    public void Two_items_three_wins_in_four_is_ln3()
    {
        // One parameter: P(0 beats 1) = σ(β₀) and the MLE sets it to the observed 3/4, so β₀ = ln 3.
        PairwiseOutcome[] data = [.. Repeat(0, 1, 1, 3), new(0, 1, 0)];
        var fit = BradleyTerry.Fit(2, data, reference: 1, Exact);
        Assert.Equal(Math.Log(3), fit.Items[0].LogOdds.Estimate, 14);
        Assert.Equal(0.0, fit.Items[1].LogOdds.Estimate);
        // The reference can be either item; the other is then −ln 3. Orientation of the rows does not matter.
        PairwiseOutcome[] flipped = [.. Repeat(1, 0, 0, 3), new(1, 0, 1)];
        Assert.Equal(-Math.Log(3), BradleyTerry.Fit(2, flipped, reference: 0, Exact).Items[1].LogOdds.Estimate, 14);
        // Ties count as half a win each: two wins and two ties are 3 of 4 as well.
        PairwiseOutcome[] ties = [.. Repeat(0, 1, 1, 2), .. Repeat(0, 1, 0.5, 2)];
        Assert.Equal(Math.Log(3), BradleyTerry.Fit(2, ties, reference: 1, Exact).Items[0].LogOdds.Estimate, 14);
        // The default penalty (1e-6) moves it by about λβ/I = 1e-6·1.1/0.75.
        Assert.Equal(Math.Log(3), BradleyTerry.Fit(2, data, reference: 1, Exact with { L2Penalty = 1e-6 }).Items[0].LogOdds.Estimate, 5);
    }

    [Fact]
    public void Elo_scale_is_400_per_decade_of_odds()
    {
        // 3:1 odds = 400·log₁₀3 = 190.849 points above the reference at 1000.
        Assert.Equal(1000 + 400 * Math.Log10(3), BradleyTerry.ToElo(Math.Log(3)), 10);
        Assert.Equal(1000.0, BradleyTerry.ToElo(0.0));
        PairwiseOutcome[] data = [.. Repeat(0, 1, 1, 3), new(0, 1, 0)];
        var elo = BradleyTerry.Fit(2, data, reference: 1, Exact).Items[0].Elo;
        Assert.Equal(1190.8485018878649, elo.Estimate, 9);
        Assert.True(elo.Lower <= elo.Estimate && elo.Estimate <= elo.Upper);
    }

    [Fact]
    public void Three_items_fit_satisfies_the_score_equations()
    {
        // The MLE of a Bradley–Terry model is where each item's observed wins equal its expected wins under the fitted
        // strengths (the score equations). Checked here from the returned strengths alone, for every item, reference included.
        PairwiseOutcome[] data =
        [
            .. Repeat(0, 1, 1, 3), .. Repeat(0, 1, 0, 2), .. Repeat(1, 0, 0.5, 1),
            .. Repeat(0, 2, 1, 1), .. Repeat(2, 0, 1, 4),
            .. Repeat(1, 2, 1, 2), .. Repeat(2, 1, 1, 2), .. Repeat(1, 2, 0.5, 1),
        ];
        var fit = BradleyTerry.Fit(3, data, reference: 0, Exact);
        var beta = fit.Items.Select(i => i.LogOdds.Estimate).ToArray();
        Assert.Equal(0.0, beta[0]);
        for (int item = 0; item < 3; item++)
        {
            double observed = 0, expected = 0;
            foreach (var c in data)
            {
                if (c.A == item)
                {
                    observed += c.OutcomeForA;
                    expected += Sigmoid(beta[c.A] - beta[c.B]);
                }
                else if (c.B == item)
                {
                    observed += 1 - c.OutcomeForA;
                    expected += Sigmoid(beta[c.B] - beta[c.A]);
                }
            }
            Assert.Equal(observed, expected, 10);
        }
        // Item 2 won 4 of 5 against the reference and broke even with item 1, which scored 2.5 of 6 against the reference.
        Assert.True(beta[2] > beta[1] && beta[1] > -0.5);
        Assert.Equal(16, fit.Comparisons);
    }

    // Three conditions whose answers differ only in length. In every comparison the longer answer (300 tokens against
    // 100, normalised difference ±0.5) wins with probability 3/4 — four replicates, three won by the longer — whoever
    // wrote it. Condition 1 is usually the longer, condition 2 usually the shorter.
    private static (List<PairwiseOutcome> Comparisons, StyleCovariates Style) LengthOnly(int longerWinsOfFour)
    {
        var comparisons = new List<PairwiseOutcome>();
        var styles = new List<(AnswerStyle, AnswerStyle)>();
        void Pattern(int a, int b, bool aLonger, int times)
        {
            for (int t = 0; t < times; t++)
            {
                for (int r = 0; r < 4; r++)
                {
                    bool longerWins = r < longerWinsOfFour;
                    comparisons.Add(new PairwiseOutcome(a, b, aLonger == longerWins ? 1 : 0));
                    styles.Add((new AnswerStyle(aLonger ? 300 : 100, 0, 0, 0), new AnswerStyle(aLonger ? 100 : 300, 0, 0, 0)));
                }
            }
        }
        Pattern(1, 0, aLonger: true, 5);
        Pattern(1, 0, aLonger: false, 1);
        Pattern(2, 0, aLonger: true, 1);
        Pattern(2, 0, aLonger: false, 3);
        Pattern(1, 2, aLonger: true, 4);
        Pattern(1, 2, aLonger: false, 1);
        return (comparisons, StyleCovariates.Arena(styles));
    }

    [Fact]
    public void Style_control_removes_a_gap_that_length_explains()
    {
        var (comparisons, style) = LengthOnly(longerWinsOfFour: 3);
        var raw = BradleyTerry.Fit(3, comparisons, reference: 0, Exact);
        // Raw strengths credit condition 1 with its length (16 of 24 against the reference) and blame condition 2 (6 of 16).
        Assert.True(raw.Items[1].LogOdds.Estimate > 0.5, $"{raw.Items[1].LogOdds.Estimate}");
        Assert.True(raw.Items[2].LogOdds.Estimate < -0.25, $"{raw.Items[2].LogOdds.Estimate}");
        Assert.True(raw.Items[1].LogOdds.Estimate - raw.Items[2].LogOdds.Estimate > 0.8);

        // With length as a covariate, every group of four replicates has Σ(y − p) = 3·¼ − 1·¾ = 0 at β = 0 and
        // γ·0.5 = ln 3, so those are the MLE exactly: no gap, and the length coefficient is 2 ln 3.
        var controlled = BradleyTerry.FitStyleControlled(3, comparisons, style, reference: 0, Exact);
        Assert.Equal(0.0, controlled.Items[1].LogOdds.Estimate, 10);
        Assert.Equal(0.0, controlled.Items[2].LogOdds.Estimate, 10);
        Assert.Equal(["length", "headers", "list_items", "bold"], controlled.Style.Select(s => s.Name));
        Assert.Equal(2 * Math.Log(3), controlled.Style[0].Coefficient.Estimate, 10);
        // Headers, lists and bold never differ: nothing to estimate.
        Assert.All(controlled.Style.Skip(1), s => Assert.True(double.IsNaN(s.Coefficient.Estimate)));
        // The default penalty leaves it at ~1e-7.
        var penalised = BradleyTerry.FitStyleControlled(3, comparisons, style, reference: 0, Exact with { L2Penalty = 1e-6 });
        Assert.InRange(penalised.Items[1].LogOdds.Estimate, -1e-5, 1e-5);
        Assert.InRange(penalised.Items[2].LogOdds.Estimate, -1e-5, 1e-5);
    }

    [Fact]
    public void Longer_always_winning_is_separated_and_still_fits_with_the_default_penalty()
    {
        // When the longer answer wins every time the length coefficient's MLE is infinite, and the item strengths in
        // that limit are set by which comparisons are closest to even — not 0. With the default penalty the fit stays
        // finite, flags the separation with a huge length coefficient, and shrinks the raw gap; without a penalty it refuses.
        var (comparisons, style) = LengthOnly(longerWinsOfFour: 4);
        var options = new BradleyTerryOptions(Resamples: 100, Seed: 2);
        var raw = BradleyTerry.Fit(3, comparisons, reference: 0, options);
        var controlled = BradleyTerry.FitStyleControlled(3, comparisons, style, reference: 0, options);
        Assert.True(controlled.Style[0].Coefficient.Estimate > 20);
        double rawGap = raw.Items[1].LogOdds.Estimate - raw.Items[2].LogOdds.Estimate;
        double controlledGap = controlled.Items[1].LogOdds.Estimate - controlled.Items[2].LogOdds.Estimate;
        Assert.InRange(controlledGap, 0, rawGap / 1.5);
        Assert.Equal(0, controlled.SkippedResamples);
        Assert.Throws<LogisticFitException>(() => BradleyTerry.FitStyleControlled(3, comparisons, style, reference: 0, Exact));
    }

    [Fact]
    public void Resamples_without_an_item_leave_it_out_of_its_own_interval_only()
    {
        // Item 2 is in a single comparison: about e⁻¹ of resamples of 12 comparisons miss it.
        PairwiseOutcome[] data =
        [
            .. Repeat(0, 1, 1, 4), .. Repeat(0, 1, 0, 3), .. Repeat(1, 0, 0.5, 4), new(2, 0, 1),
        ];
        var fit = BradleyTerry.Fit(3, data, reference: 0, new BradleyTerryOptions(Resamples: 400, Seed: 11));
        Assert.Equal(400, fit.Items[1].LogOdds.Resamples);
        Assert.InRange(fit.Items[2].LogOdds.Resamples, 200, 330);
        Assert.Equal(0, fit.SkippedResamples);
        // Item 2 won its only comparison: its MLE is +∞, the default penalty makes it large and finite.
        Assert.True(fit.Items[2].LogOdds.Estimate > 8 && double.IsFinite(fit.Items[2].LogOdds.Upper));
        // Without a penalty the data itself has no finite fit.
        Assert.Throws<LogisticFitException>(() => BradleyTerry.Fit(3, data, reference: 0, Exact));
    }

    [Fact]
    public void Unpenalised_bootstrap_skips_and_counts_separated_resamples()
    {
        // Item 1 won 3 of 5: resamples that draw only its wins (or only its losses) have no finite MLE.
        PairwiseOutcome[] data = [.. Repeat(1, 0, 1, 3), .. Repeat(1, 0, 0, 2)];
        var fit = BradleyTerry.Fit(2, data, reference: 0, new BradleyTerryOptions(L2Penalty: 0, Resamples: 500, Seed: 4));
        Assert.Equal(Math.Log(1.5), fit.Items[1].LogOdds.Estimate, 13);
        // P(all five drawn are wins) + P(all losses) = 0.6⁵ + 0.4⁵ ≈ 8.8%.
        Assert.InRange(fit.SkippedResamples, 25, 70);
        Assert.Equal(500 - fit.SkippedResamples, fit.Items[1].LogOdds.Resamples);
    }

    [Fact]
    public void Item_not_linked_to_the_reference_is_undetermined()
    {
        // Items 2 and 3 only ever met each other: their strength against item 0 cannot be told.
        PairwiseOutcome[] data = [.. Repeat(0, 1, 1, 2), new(0, 1, 0), .. Repeat(2, 3, 1, 2), new(3, 2, 1)];
        var fit = BradleyTerry.Fit(4, data, reference: 0, Exact);
        Assert.Equal(-Math.Log(2), fit.Items[1].LogOdds.Estimate, 13);
        Assert.True(double.IsNaN(fit.Items[2].LogOdds.Estimate) && double.IsNaN(fit.Items[2].LogOdds.Lower));
        Assert.True(double.IsNaN(fit.Items[3].LogOdds.Estimate));
        Assert.Equal(0, fit.Items[3].LogOdds.Resamples);
    }

    [Fact]
    public void Same_seed_same_intervals()
    {
        PairwiseOutcome[] data = [.. Repeat(0, 1, 1, 5), .. Repeat(0, 1, 0, 3), .. Repeat(1, 2, 1, 4), .. Repeat(2, 1, 1, 2), .. Repeat(0, 2, 0.5, 2)];
        var a = BradleyTerry.Fit(3, data, reference: 1, new BradleyTerryOptions(Resamples: 300, Seed: 8));
        var b = BradleyTerry.Fit(3, data, reference: 1, new BradleyTerryOptions(Resamples: 300, Seed: 8));
        Assert.Equal(a.Items, b.Items);
        Assert.All(a.Items, i => Assert.True(i.LogOdds.Lower <= i.LogOdds.Estimate && i.LogOdds.Estimate <= i.LogOdds.Upper));
        Assert.Equal((0.0, 0.0, 0.0), (a.Items[1].LogOdds.Estimate, a.Items[1].LogOdds.Lower, a.Items[1].LogOdds.Upper));
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        PairwiseOutcome[] ok = [new(0, 1, 1), new(1, 0, 1)];
        Assert.Throws<ArgumentOutOfRangeException>(() => BradleyTerry.Fit(2, ok, reference: 2));
        Assert.Throws<ArgumentException>(() => BradleyTerry.Fit(2, [], reference: 0));
        Assert.Throws<ArgumentException>(() => BradleyTerry.Fit(2, [new(1, 1, 1)], reference: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BradleyTerry.Fit(2, [new(0, 3, 1)], reference: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BradleyTerry.Fit(2, [new(0, 1, 2)], reference: 0));
        var style = new StyleCovariates(["length"], [[0.5]]);
        Assert.Throws<ArgumentException>(() => BradleyTerry.FitStyleControlled(2, ok, style, reference: 0));
    }

    [Fact]
    public void Arena_style_covariates_are_normalised_differences()
    {
        var s = StyleCovariates.Arena([(new AnswerStyle(300, 2, 0, 5), new AnswerStyle(100, 0, 0, 3))]);
        Assert.Equal([0.5, 1.0, 0.0, 0.25], s.Rows[0]);
        Assert.Equal(0.0, StyleCovariates.NormalizedDifference(0, 0));
        Assert.Equal(-1.0, StyleCovariates.NormalizedDifference(0, 4));
    }
}
