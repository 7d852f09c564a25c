namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>The chi-square distribution's upper tail, for the p-values of tests such as Friedman's.</summary>
public static class ChiSquareDistribution
{
    /// <summary>P(X ≥ <paramref name="statistic"/>) for X ~ χ²(<paramref name="degreesOfFreedom"/>): Q(k/2, x/2).</summary>
    public static double UpperTail(double statistic, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0) || double.IsInfinity(degreesOfFreedom))
            throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "degrees of freedom must be finite and positive.");
        if (double.IsNaN(statistic))
            return double.NaN;
        if (statistic <= 0)
            return 1.0;
        return IncompleteGamma.RegularizedUpper(degreesOfFreedom / 2, statistic / 2);
    }
}
