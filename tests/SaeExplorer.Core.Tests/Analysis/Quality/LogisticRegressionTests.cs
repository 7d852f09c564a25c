using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class LogisticRegressionTests
{
    private static double Sigmoid(double eta) => 1 / (1 + Math.Exp(-eta));

    private static double[,] Column(int n, double value = 1)
    {
        var x = new double[n, 1];
        for (int i = 0; i < n; i++)
            x[i, 0] = value;
        return x;
    }

    [Fact]
    public void Intercept_only_is_the_logit_of_the_mean_with_ties_as_halves()
    {
        // Three wins and a loss: p̂ = 3/4, β = ln 3. Two wins and two ties score the same 3 of 4.
        Assert.Equal(Math.Log(3), LogisticRegression.Fit(Column(4), [1, 1, 1, 0]).Coefficients[0], 13);
        Assert.Equal(Math.Log(3), LogisticRegression.Fit(Column(4), [1, 1, 0.5, 0.5]).Coefficients[0], 13);
        // Weights are frequencies: one row of weight 3 and one of weight 1 is the same data.
        Assert.Equal(Math.Log(3), LogisticRegression.Fit(Column(2), [1, 0], weights: [3, 1]).Coefficients[0], 13);
        // A zero-weight row is not there at all.
        Assert.Equal(Math.Log(3), LogisticRegression.Fit(Column(3), [1, 0, 0], weights: [3, 1, 0]).Coefficients[0], 13);
    }

    [Fact]
    public void Fit_satisfies_its_score_equations_with_weights_and_penalty()
    {
        // At the penalised optimum Σᵢ wᵢ(yᵢ − pᵢ)xᵢⱼ = λⱼβⱼ for every column j, checked here from the returned β alone.
        double[,] x =
        {
            { 1, 0.3, -1.2 }, { 1, -0.7, 0.4 }, { 1, 1.5, 0.9 }, { 1, 0.1, -0.3 }, { 1, -1.1, 1.7 },
            { 1, 0.8, -0.6 }, { 1, -0.2, 0.2 }, { 1, 1.9, -1.5 }, { 1, -1.6, 0.1 }, { 1, 0.5, 1.1 },
        };
        double[] y = [1, 0, 1, 0.5, 0, 1, 0, 1, 0, 0.5];
        double[] w = [1, 2, 1, 1, 3, 1, 2, 1, 1, 2];
        double[] lambda = [0, 0.5, 0.25];
        var fit = LogisticRegression.Fit(x, y, w, lambda);
        var beta = fit.Coefficients;
        var p = Enumerable.Range(0, 10).Select(i => Sigmoid(x[i, 0] * beta[0] + x[i, 1] * beta[1] + x[i, 2] * beta[2])).ToArray();
        for (int j = 0; j < 3; j++)
        {
            double score = Enumerable.Range(0, 10).Sum(i => w[i] * (y[i] - p[i]) * x[i, j]);
            Assert.Equal(lambda[j] * beta[j], score, 9);
        }
        Assert.True(fit.MaxAbsGradient <= 1e-10 * w.Sum());
        double logLikelihood = Enumerable.Range(0, 10).Sum(i => w[i] * (y[i] * Math.Log(p[i]) + (1 - y[i]) * Math.Log(1 - p[i])));
        Assert.Equal(logLikelihood, fit.LogLikelihood, 10);
    }

    [Fact]
    public void Penalised_intercept_solves_its_equation()
    {
        // 3 wins, 1 loss, penalty λ = 2: Σ(y − p) = λβ, i.e. 3 − 4σ(β) = 2β, whose root lies in (0, ln 3).
        var beta = LogisticRegression.Fit(Column(4), [1, 1, 1, 0], l2Penalties: [2.0]).Coefficients[0];
        Assert.Equal(2 * beta, 3 - 4 * Sigmoid(beta), 12);
        Assert.InRange(beta, 0.01, Math.Log(3) - 0.01);
    }

    [Fact]
    public void Separated_outcomes_throw_unless_penalised()
    {
        // y = 1 exactly when x > 0: the likelihood rises forever as β → ∞.
        double[,] x = { { -2 }, { -1 }, { 1 }, { 2 } };
        double[] y = [0, 0, 1, 1];
        var e = Assert.Throws<LogisticFitException>(() => LogisticRegression.Fit(x, y));
        Assert.Contains("separated", e.Message);
        var beta = LogisticRegression.Fit(x, y, l2Penalties: [1e-6]).Coefficients[0];
        Assert.True(double.IsFinite(beta) && beta > 5, $"β = {beta}");
        // All wins with an intercept is the same thing along the intercept.
        Assert.Throws<LogisticFitException>(() => LogisticRegression.Fit(Column(3), [1, 1, 1]));
    }

    [Fact]
    public void Singular_design_throws_a_clear_error()
    {
        double[,] twin = { { 1, 1 }, { -1, -1 }, { 1, 1 }, { 1, 1 } };
        var e = Assert.Throws<LogisticFitException>(() => LogisticRegression.Fit(twin, [1, 0, 0, 1]));
        Assert.Contains("singular", e.Message);
        // A penalty splits the effect evenly between the twin columns.
        var beta = LogisticRegression.Fit(twin, [1, 0, 0, 1], l2Penalties: [1e-3, 1e-3]).Coefficients;
        Assert.Equal(beta[0], beta[1], 10);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LogisticRegression.Fit(Column(2), [1, 1.5]));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(Column(2), [1]));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(Column(2), [1, 0], weights: [0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogisticRegression.Fit(Column(2), [1, 0], weights: [1, -1]));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit(Column(2), [1, 0], l2Penalties: [1, 1]));
    }

    [Fact]
    public void Sigmoid_does_not_overflow()
    {
        Assert.Equal(1.0, LogisticRegression.Sigmoid(800));
        Assert.Equal(0.0, LogisticRegression.Sigmoid(-800));
        Assert.Equal(0.75, LogisticRegression.Sigmoid(Math.Log(3)), 15);
        Assert.Equal(Math.Log(3), LogisticRegression.Logit(0.75), 15);
    }

    [Fact]
    public void Cholesky_solves_and_refuses_non_positive_definite()
    {
        // A = [[4, 2, 0], [2, 5, 3], [0, 3, 10]], x = (1, −1, 2): b = A·x = (2, 3, 17).
        double[,] a = { { 4, 2, 0 }, { 2, 5, 3 }, { 0, 3, 10 } };
        var x = new double[3];
        Assert.True(LinearSystem.TrySolveSymmetricPositiveDefinite(a, [2, 3, 17], x));
        Assert.Equal(1.0, x[0], 14);
        Assert.Equal(-1.0, x[1], 14);
        Assert.Equal(2.0, x[2], 14);
        Assert.False(LinearSystem.TrySolveSymmetricPositiveDefinite(new double[,] { { 1, 2 }, { 2, 1 } }, [1, 1], new double[2]));
        Assert.False(LinearSystem.TrySolveSymmetricPositiveDefinite(new double[,] { { 1, 1 }, { 1, 1 } }, [1, 1], new double[2]));
    }
}
