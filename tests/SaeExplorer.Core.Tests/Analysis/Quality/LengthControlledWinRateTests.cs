using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class LengthControlledWinRateTests
{
    // Fourteen topics: outcome of the condition against the baseline, and the two answers' lengths.
    private static readonly LengthPairedOutcome[] Mixed =
    [
        new(1, 420, 300), new(0, 250, 310), new(1, 390, 280), new(0.5, 300, 300), new(1, 510, 260), new(0, 220, 350),
        new(1, 330, 340), new(0, 400, 290), new(1, 360, 300), new(0.5, 280, 330), new(1, 450, 310), new(0, 240, 260),
        new(1, 300, 420), new(0, 380, 300),
    ];

    private static double Sigmoid(double eta) => 1 / (1 + Math.Exp(-eta));

    // tanh(d/sd(d)) with the n − 1 standard deviation, computed here independently of the library.
    private static double[] Covariate(LengthPairedOutcome[] data)
    {
        var d = data.Select(i => i.ConditionLength - i.BaselineLength).ToArray();
        double mean = d.Average();
        double sd = Math.Sqrt(d.Sum(v => (v - mean) * (v - mean)) / (d.Length - 1));
        return d.Select(v => Math.Tanh(v / sd)).ToArray();
    }

    private static double LogLikelihood(LengthPairedOutcome[] data, double[] t, double theta, double phi)
    {
        double sum = 0;
        for (int k = 0; k < data.Length; k++)
        {
            double p = Sigmoid(theta + phi * t[k]);
            sum += data[k].Outcome * Math.Log(p) + (1 - data[k].Outcome) * Math.Log(1 - p);
        }
        return sum;
    }

    [Fact]
    public void Fit_satisfies_both_score_equations()
    {
        var r = LengthControlledWinRate.Compute(Mixed, resamples: 200, seed: 1, lengthPenalty: 0);
        var t = Covariate(Mixed);
        var p = t.Select(v => Sigmoid(r.Theta + r.Phi * v)).ToArray();
        Assert.Equal(0.0, Mixed.Select((i, k) => i.Outcome - p[k]).Sum(), 8);
        Assert.Equal(0.0, Mixed.Select((i, k) => (i.Outcome - p[k]) * t[k]).Sum(), 8);
        Assert.True(r.LengthTermUsed);
        Assert.True(r.Phi > 0, "the longer answer won more often here");
        Assert.Equal(100 * Sigmoid(r.Theta), r.LengthControlled.Estimate, 12);
        // Raw: 7 wins, 2 ties, 5 losses of 14.
        Assert.Equal(100 * 8.0 / 14, r.RawWinRate.Estimate, 12);
    }

    [Fact]
    public void Fit_is_the_maximum_a_grid_search_finds()
    {
        // Brute force over a 0.01 grid of (θ, φ) ∈ [−3, 3]²: the best grid point lies within a cell of the fit.
        var t = Covariate(Mixed);
        double best = double.NegativeInfinity, bestTheta = 0, bestPhi = 0;
        for (int a = -300; a <= 300; a++)
        {
            for (int b = -300; b <= 300; b++)
            {
                double ll = LogLikelihood(Mixed, t, a / 100.0, b / 100.0);
                if (ll > best)
                    (best, bestTheta, bestPhi) = (ll, a / 100.0, b / 100.0);
            }
        }
        var r = LengthControlledWinRate.Compute(Mixed, resamples: 1, lengthPenalty: 0);
        Assert.InRange(r.Theta, bestTheta - 0.01, bestTheta + 0.01);
        Assert.InRange(r.Phi, bestPhi - 0.01, bestPhi + 0.01);
        Assert.True(LogLikelihood(Mixed, t, r.Theta, r.Phi) >= best);
    }

    [Fact]
    public void Length_that_explains_every_win_leaves_a_controlled_rate_of_50()
    {
        // Whoever is 100 tokens longer wins 9 of 10; the condition is the longer one on 50 topics and the shorter on 10,
        // so it wins 45 + 1 of 60 raw. At θ = 0 and φ·tanh(100/sd) = ln 9 every group of ten has Σ(y − p) = 0, so that
        // is the MLE exactly, and the length-controlled rate is σ(0) = 50.
        var data = new List<LengthPairedOutcome>();
        for (int g = 0; g < 5; g++)
            for (int r = 0; r < 10; r++)
                data.Add(new LengthPairedOutcome(r < 9 ? 1 : 0, 400, 300));
        for (int r = 0; r < 10; r++)
            data.Add(new LengthPairedOutcome(r < 1 ? 1 : 0, 300, 400));
        var result = LengthControlledWinRate.Compute(data, resamples: 300, seed: 3, lengthPenalty: 0);
        Assert.Equal(100 * 46.0 / 60, result.RawWinRate.Estimate, 12);
        Assert.Equal(50.0, result.LengthControlled.Estimate, 9);
        Assert.Equal(0.0, result.Theta, 10);
        Assert.Equal(Math.Log(9) / Covariate([.. data])[0], result.Phi, 9);
        Assert.InRange(50.0, result.LengthControlled.Lower, result.LengthControlled.Upper);
        Assert.True(result.RawWinRate.Lower > 60, $"raw interval {result.RawWinRate}");
        // The default penalty changes nothing visible.
        Assert.Equal(50.0, LengthControlledWinRate.Compute(data, resamples: 10).LengthControlled.Estimate, 4);
    }

    [Fact]
    public void Equal_length_differences_drop_the_length_term()
    {
        LengthPairedOutcome[] data = [new(1, 350, 300), new(1, 400, 350), new(0, 300, 250), new(0.5, 360, 310)];
        var r = LengthControlledWinRate.Compute(data, resamples: 50, seed: 2);
        Assert.False(r.LengthTermUsed);
        Assert.Equal(0.0, r.LengthScale);
        Assert.Equal(62.5, r.RawWinRate.Estimate, 12);
        Assert.Equal(62.5, r.LengthControlled.Estimate, 12);
        Assert.Equal(Math.Log(62.5 / 37.5), r.Theta, 12);
    }

    [Fact]
    public void All_wins_is_100_without_a_fit()
    {
        LengthPairedOutcome[] data = [new(1, 350, 300), new(1, 200, 350), new(1, 300, 250)];
        var r = LengthControlledWinRate.Compute(data, resamples: 50, seed: 2, lengthPenalty: 0);
        Assert.Equal(100.0, r.RawWinRate.Estimate);
        Assert.Equal(100.0, r.LengthControlled.Estimate);
        Assert.Equal((100.0, 100.0), (r.LengthControlled.Lower, r.LengthControlled.Upper));
        Assert.True(double.IsPositiveInfinity(r.Theta));
    }

    [Fact]
    public void Separation_by_length_needs_the_penalty()
    {
        // The longer answer wins every time, on both sides equally often: φ → ∞ without a penalty.
        LengthPairedOutcome[] data = [new(1, 400, 300), new(1, 420, 300), new(0, 300, 400), new(0, 280, 400), new(1, 390, 300), new(0, 300, 390)];
        Assert.Throws<LogisticFitException>(() => LengthControlledWinRate.Compute(data, resamples: 10, lengthPenalty: 0));
        var r = LengthControlledWinRate.Compute(data, resamples: 200, seed: 6);
        Assert.True(r.Phi > 5 && double.IsFinite(r.Phi));
        Assert.Equal(50.0, r.RawWinRate.Estimate, 12);
        Assert.InRange(r.LengthControlled.Estimate, 40, 60);
        Assert.Equal(0, r.SkippedResamples);
    }

    [Fact]
    public void Same_seed_same_intervals_and_they_bracket_the_estimates()
    {
        var a = LengthControlledWinRate.Compute(Mixed, resamples: 400, seed: 12);
        Assert.Equal(a, LengthControlledWinRate.Compute(Mixed, resamples: 400, seed: 12));
        Assert.InRange(a.RawWinRate.Estimate, a.RawWinRate.Lower, a.RawWinRate.Upper);
        Assert.InRange(a.LengthControlled.Estimate, a.LengthControlled.Lower, a.LengthControlled.Upper);
        Assert.InRange(a.LengthControlled.Lower, 0, 100);
        Assert.InRange(a.LengthControlled.Upper, 0, 100);
        Assert.Equal(14, a.Instances);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => LengthControlledWinRate.Compute([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LengthControlledWinRate.Compute([new(1.5, 1, 2)]));
        Assert.Throws<ArgumentException>(() => LengthControlledWinRate.Compute([new(1, double.NaN, 2)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LengthControlledWinRate.Compute(Mixed, lengthPenalty: -1));
    }
}
