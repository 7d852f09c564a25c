namespace SaeExplorer.Core.Umap;

/// <summary>
/// The embedding-space membership curve 1 / (1 + a·d^(2b)) and the fit of a, b to the target
/// "1 up to min_dist, then exp(−(d − min_dist)/spread)" — umap-learn's <c>find_ab_params</c>, which calls
/// scipy's <c>curve_fit</c> (Levenberg–Marquardt from a = b = 1) on 300 points over [0, 3·spread].
/// </summary>
public static class UmapCurve
{
    /// <summary>Fits (a, b) for the given spread and min_dist (0 &lt; min_dist, 0 &lt; spread).</summary>
    public static (float A, float B) FindAbParams(float spread, float minDist)
    {
        if (!(spread > 0) || !float.IsFinite(spread))
            throw new ArgumentOutOfRangeException(nameof(spread), spread, "spread must be a positive number");
        if (!(minDist >= 0) || !float.IsFinite(minDist))
            throw new ArgumentOutOfRangeException(nameof(minDist), minDist, "min_dist must be a non-negative number");
        if (minDist > spread)
            throw new ArgumentOutOfRangeException(nameof(minDist), minDist, $"min_dist must not exceed spread ({spread})");

        const int points = 300;
        var x = new double[points];
        var y = new double[points];
        for (int i = 0; i < points; i++)
        {
            x[i] = spread * 3.0 * i / (points - 1);
            y[i] = x[i] < minDist ? 1.0 : Math.Exp(-(x[i] - minDist) / spread);
        }

        double a = 1, b = 1, lambda = 1e-3;
        double cost = Cost(x, y, a, b);
        for (int iteration = 0; iteration < 500; iteration++)
        {
            // Normal equations JᵀJ·δ = Jᵀr of the 2-parameter problem, damped on the diagonal (Marquardt's scaling).
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (int i = 0; i < points; i++)
            {
                double xb = x[i] > 0 ? Math.Pow(x[i], 2 * b) : 0;
                double denominator = 1 + a * xb;
                double f = 1 / denominator;
                double r = y[i] - f;
                double da = -xb / (denominator * denominator);
                double db = x[i] > 0 ? -a * xb * 2 * Math.Log(x[i]) / (denominator * denominator) : 0;
                jaa += da * da;
                jab += da * db;
                jbb += db * db;
                ga += da * r;
                gb += db * r;
            }
            bool improved = false;
            for (int attempt = 0; attempt < 30 && !improved; attempt++)
            {
                double maa = jaa * (1 + lambda), mbb = jbb * (1 + lambda);
                double det = maa * mbb - jab * jab;
                double stepA = (mbb * ga - jab * gb) / det;
                double stepB = (maa * gb - jab * ga) / det;
                double newCost = Cost(x, y, a + stepA, b + stepB);
                if (double.IsFinite(newCost) && newCost < cost)
                {
                    bool converged = Math.Abs(stepA) < 1e-12 * (Math.Abs(a) + 1e-12) && Math.Abs(stepB) < 1e-12 * (Math.Abs(b) + 1e-12)
                        || cost - newCost < 1e-15 * cost;
                    a += stepA;
                    b += stepB;
                    cost = newCost;
                    lambda = Math.Max(lambda / 10, 1e-12);
                    improved = true;
                    if (converged)
                        return ((float)a, (float)b);
                }
                else
                {
                    lambda *= 10;
                }
            }
            if (!improved)
                break;
        }
        return ((float)a, (float)b);
    }

    private static double Cost(double[] x, double[] y, double a, double b)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double xb = x[i] > 0 ? Math.Pow(x[i], 2 * b) : 0;
            double r = y[i] - 1 / (1 + a * xb);
            sum += r * r;
        }
        return sum;
    }
}
