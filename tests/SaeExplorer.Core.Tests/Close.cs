namespace SaeExplorer.Core.Tests;

/// <summary>Relative-tolerance comparison for values far from 1 (tail p-values), where xUnit's decimal places cannot reach.</summary>
internal static class Close
{
    public static void Relative(double expected, double actual, double tolerance)
    {
        double error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= tolerance, $"expected {expected:R}, got {actual:R} (relative error {error:E2} > {tolerance:E2})");
    }
}
