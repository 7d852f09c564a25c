using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>One instance (a topic) judged between a condition's answer and the baseline's.</summary>
/// <param name="Outcome">The condition's result: 1 win, 0 loss, 0.5 tie; a fraction in between is an expected outcome (e.g. the mean of both orders).</param>
/// <param name="ConditionLength">Length of the condition's answer (tokens).</param>
/// <param name="BaselineLength">Length of the baseline's answer, in the same unit.</param>
public readonly record struct LengthPairedOutcome(double Outcome, double ConditionLength, double BaselineLength);

/// <summary>A condition's win rate against the baseline, raw and length-controlled, on the 0–100 scale.</summary>
/// <param name="RawWinRate">100 · mean outcome, with its bootstrap interval over instances.</param>
/// <param name="LengthControlled">100 · σ(θ): the modelled win rate at equal length, with its bootstrap interval.</param>
/// <param name="Theta">θ, the condition's log-odds of winning at zero length difference; ±∞ when it won or lost every instance.</param>
/// <param name="Phi">φ, the weight of tanh(d/sd(d)); 0 when the length term is dropped.</param>
/// <param name="LengthScale">sd(d), the sample standard deviation (n − 1) of the length differences.</param>
/// <param name="LengthTermUsed">False when every length difference is equal (sd = 0), when the model is the raw win rate.</param>
/// <param name="SkippedResamples">Resamples whose fit had no finite maximum (only possible with a zero penalty), left out of the intervals.</param>
public sealed record LengthControlledResult(
    int Instances,
    ConfidenceInterval RawWinRate,
    ConfidenceInterval LengthControlled,
    double Theta,
    double Phi,
    double LengthScale,
    bool LengthTermUsed,
    double LengthPenalty,
    int SkippedResamples);

/// <summary>
/// AlpacaEval 2's length-controlled win rate (Dubois et al. 2024) without its instruction-difficulty term, since here
/// every condition answers the same topics: logit P(condition wins instance i) = θ + φ·tanh(dᵢ/sd(d)), with dᵢ the
/// condition's answer length minus the baseline's, fitted by logistic regression; the length-controlled win rate is
/// the model's prediction with the length term at zero, 100·σ(θ). tanh bounds how much a single extreme length
/// difference can pull φ. The raw win rate is 100·mean(y). Both intervals come from the same bootstrap resamples of
/// instances, each refitted from scratch (sd included).
/// </summary>
public static class LengthControlledWinRate
{
    /// <summary>
    /// The default ridge penalty ½λφ² on φ. AlpacaEval regularises its GLM too; here the penalty only exists to keep φ
    /// finite when the longer answer wins every decisive instance (then the likelihood rises without bound in φ), and
    /// 1e-6 changes a well-determined fit by ~1e-6. θ is never penalised: that would pull the result towards 50.
    /// </summary>
    public const double DefaultLengthPenalty = 1e-6;

    /// <summary>The raw and length-controlled win rates of a condition against the baseline, with bootstrap intervals.</summary>
    /// <param name="lengthPenalty">λ of the ridge penalty ½λφ²; 0 is plain maximum likelihood, which fails on data the length term separates.</param>
    /// <exception cref="LogisticFitException">The fit on the data itself has no finite maximum (only possible with <paramref name="lengthPenalty"/> 0).</exception>
    public static LengthControlledResult Compute(IReadOnlyList<LengthPairedOutcome> instances, int resamples = Correlation.DefaultResamples,
        ulong seed = 0, double level = 0.95, double lengthPenalty = DefaultLengthPenalty)
    {
        ArgumentNullException.ThrowIfNull(instances);
        PercentileInterval.CheckArguments(resamples, level);
        if (!(lengthPenalty >= 0) || double.IsInfinity(lengthPenalty))
            throw new ArgumentOutOfRangeException(nameof(lengthPenalty), lengthPenalty, "the penalty must be finite and non-negative.");
        if (instances.Count == 0)
            throw new ArgumentException("a win rate needs at least one instance.", nameof(instances));
        foreach (var i in instances)
        {
            if (!(i.Outcome >= 0 && i.Outcome <= 1))
                throw new ArgumentOutOfRangeException(nameof(instances), i.Outcome, "outcomes must lie in [0, 1].");
            if (!double.IsFinite(i.ConditionLength) || !double.IsFinite(i.BaselineLength))
                throw new ArgumentException("lengths must be finite.", nameof(instances));
        }
        int n = instances.Count;
        var y = instances.Select(i => i.Outcome).ToArray();
        var d = instances.Select(i => i.ConditionLength - i.BaselineLength).ToArray();
        var fit = FitOnce(y, d, lengthPenalty);

        var rng = new IndexResampler(seed);
        var indices = new int[n];
        double[] ys = new double[n], ds = new double[n];
        var raw = new List<double>(resamples);
        var controlled = new List<double>(resamples);
        int skipped = 0;
        for (int r = 0; r < resamples; r++)
        {
            rng.Draw(indices, n);
            for (int i = 0; i < n; i++)
            {
                ys[i] = y[indices[i]];
                ds[i] = d[indices[i]];
            }
            Fit draw;
            try
            {
                draw = FitOnce(ys, ds, lengthPenalty);
            }
            catch (LogisticFitException)
            {
                skipped++;
                continue;
            }
            raw.Add(100 * ys.Average());
            controlled.Add(100 * LogisticRegression.Sigmoid(draw.Theta));
        }
        return new LengthControlledResult(
            n,
            PercentileInterval.From(100 * y.Average(), raw, level, seed),
            PercentileInterval.From(100 * LogisticRegression.Sigmoid(fit.Theta), controlled, level, seed),
            fit.Theta,
            fit.Phi,
            fit.Scale,
            fit.LengthTermUsed,
            lengthPenalty,
            skipped);
    }

    /// <summary>tanh(d/sd) for each length difference, the length covariate of the model (sd of these differences, n − 1).</summary>
    public static double[] LengthCovariate(ReadOnlySpan<double> lengthDifferences)
    {
        double sd = SampleStandardDeviation(lengthDifferences);
        var t = new double[lengthDifferences.Length];
        for (int i = 0; i < t.Length; i++)
            t[i] = sd > 0 ? Math.Tanh(lengthDifferences[i] / sd) : 0;
        return t;
    }

    private readonly record struct Fit(double Theta, double Phi, double Scale, bool LengthTermUsed);

    private static Fit FitOnce(double[] y, double[] d, double penalty)
    {
        int n = y.Length;
        double sd = SampleStandardDeviation(d);
        double mean = y.Average();
        // All wins (or all losses) are separated by θ alone: its MLE is ±∞ whatever the lengths, and the win rate at
        // equal length is 100 (or 0) in the limit, as the raw rate is.
        if (mean == 1 || mean == 0)
            return new Fit(mean == 1 ? double.PositiveInfinity : double.NegativeInfinity, 0, sd, false);
        bool useLength = sd > 0;
        if (!useLength)
            return new Fit(LogisticRegression.Logit(mean), 0, sd, false);
        var design = new double[n, 2];
        var t = LengthCovariate(d);
        for (int i = 0; i < n; i++)
        {
            design[i, 0] = 1;
            design[i, 1] = t[i];
        }
        var beta = LogisticRegression.Fit(design, y, l2Penalties: [0, penalty]).Coefficients;
        return new Fit(beta[0], beta[1], sd, true);
    }

    private static double SampleStandardDeviation(ReadOnlySpan<double> values)
    {
        if (values.Length < 2)
            return 0;
        double mean = 0;
        foreach (var v in values)
            mean += v;
        mean /= values.Length;
        double ss = 0;
        bool constant = true;
        foreach (var v in values)
        {
            ss += (v - mean) * (v - mean);
            constant &= v == values[0];
        }
        // Equal values leave rounding noise in the deviations (their mean need not be exactly representable).
        return constant ? 0 : Math.Sqrt(ss / (values.Length - 1));
    }
}
