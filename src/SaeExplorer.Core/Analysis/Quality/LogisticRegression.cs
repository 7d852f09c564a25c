using System.Runtime.CompilerServices;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>A fitted logistic regression.</summary>
/// <param name="Coefficients">β, one per design column, in column order.</param>
/// <param name="LogLikelihood">Σ wᵢ·(yᵢ·ln pᵢ + (1 − yᵢ)·ln(1 − pᵢ)) at β, without the penalty.</param>
/// <param name="MaxAbsGradient">The largest |∂/∂βⱼ| of the penalised log-likelihood at β.</param>
/// <param name="Iterations">Newton steps taken, the last (converged) one included.</param>
public sealed record LogisticFit(IReadOnlyList<double> Coefficients, double LogLikelihood, double MaxAbsGradient, int Iterations);

/// <summary>
/// Logistic regression P(yᵢ = 1) = σ(xᵢ·β) with outcomes yᵢ ∈ [0, 1] — a fraction is the expected outcome, so a tie
/// scored 0.5 counts as half a win and half a loss, as Chatbot Arena and AlpacaEval score ties — optional row weights
/// (a bootstrap resample is integer weights) and an optional ridge penalty ½·Σ λⱼβⱼ². There is no implicit intercept:
/// add a column of ones to the design for one. Fitted by Newton–Raphson (equivalently IRLS) from β = 0 with a
/// backtracking line search, which keeps every step uphill on the concave penalised log-likelihood, so the fit
/// converges from any data that has a finite maximum; without a penalty, data that a column separates perfectly has
/// none, and the fit says so (<see cref="LogisticFitException"/>) instead of returning a huge β that merely stopped.
/// </summary>
public static class LogisticRegression
{
    /// <summary>Newton steps allowed before the fit gives up.</summary>
    public const int DefaultMaxIterations = 100;

    /// <summary>Converged when every |gradient component| ≤ this × max(1, Σ wᵢ).</summary>
    /// <remarks>
    /// Scaled by the total weight because the gradient is a sum over rows: rounding alone leaves ~n·1e-16 in it, so a
    /// fixed absolute bound would be unreachable for large n, while per unit of weight 1e-10 is far below any
    /// difference that matters and far above rounding.
    /// </remarks>
    public const double DefaultGradientTolerance = 1e-10;

    /// <summary>
    /// Converged only when, besides the gradient, the Newton step is below this × max(1, max|βⱼ|). The gradient alone
    /// cannot tell separation from convergence: when a column separates the outcomes the gradient shrinks like e^−β
    /// while β climbs by about a constant step forever, so it passes any gradient bound at some finite β (about 25 for this one). The step does
    /// not shrink there, and the fit runs out of iterations and says why.
    /// </summary>
    public const double StepTolerance = 1e-8;

    /// <summary>Fits β by maximising the penalised weighted log-likelihood.</summary>
    /// <param name="design">n × p matrix; row i is xᵢ.</param>
    /// <param name="outcomes">n values in [0, 1].</param>
    /// <param name="weights">n non-negative weights, or empty for all ones.</param>
    /// <param name="l2Penalties">p values λⱼ ≥ 0 (λⱼ = 0 leaves βⱼ unpenalised), or empty for no penalty.</param>
    /// <param name="maxIterations">Newton steps allowed before the fit gives up.</param>
    /// <param name="gradientTolerance">See <see cref="DefaultGradientTolerance"/>; the step must also be below <see cref="StepTolerance"/>.</param>
    /// <exception cref="LogisticFitException">
    /// No convergence within <paramref name="maxIterations"/> steps, or a singular Hessian.
    /// </exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LogisticFit Fit(
        double[,] design,
        ReadOnlySpan<double> outcomes,
        ReadOnlySpan<double> weights = default,
        ReadOnlySpan<double> l2Penalties = default,
        int maxIterations = DefaultMaxIterations,
        double gradientTolerance = DefaultGradientTolerance)
    {
        int n = design.GetLength(0), p = design.GetLength(1);
        Validate(design, outcomes, weights, l2Penalties);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gradientTolerance);
        var w = new double[n];
        if (weights.IsEmpty)
            w.AsSpan().Fill(1.0);
        else
            weights.CopyTo(w);
        var lambda = new double[p];
        if (!l2Penalties.IsEmpty)
            l2Penalties.CopyTo(lambda);
        double totalWeight = w.Sum();
        if (!(totalWeight > 0))
            throw new ArgumentException("the weights must not all be zero.", nameof(weights));
        double tolerance = gradientTolerance * Math.Max(1.0, totalWeight);

        var beta = new double[p];
        var gradient = new double[p];
        var step = new double[p];
        var trial = new double[p];
        var hessian = new double[p, p];
        var eta = new double[n];
        double objective = Objective(design, outcomes, w, lambda, beta, eta);
        for (int iteration = 0; ; iteration++)
        {
            double maxGradient = GradientAndHessian(design, outcomes, w, lambda, beta, eta, gradient, hessian);
            // The Hessian of the negative log-likelihood, XᵀWVX + Λ, is positive definite unless a column is zero or a
            // combination of the others on the rows with weight, or every fitted p is 0 or 1 to rounding.
            if (!LinearSystem.TrySolveSymmetricPositiveDefinite(hessian, gradient, step))
                throw new LogisticFitException(
                    "logistic regression's Hessian is singular: a design column is zero or a combination of others on the " +
                    "weighted rows, or the outcomes are separated perfectly; an L2 penalty makes it solvable.");
            double maxStep = 0, maxBeta = 0;
            for (int j = 0; j < p; j++)
            {
                maxStep = Math.Max(maxStep, Math.Abs(step[j]));
                maxBeta = Math.Max(maxBeta, Math.Abs(beta[j]));
            }
            if (maxGradient <= tolerance && maxStep <= StepTolerance * Math.Max(1.0, maxBeta))
            {
                // Taking this last, tiny step costs nothing and, Newton's convergence being quadratic, leaves β exact to rounding.
                for (int j = 0; j < p; j++)
                    beta[j] += step[j];
                objective = Objective(design, outcomes, w, lambda, beta, eta);
                maxGradient = GradientAndHessian(design, outcomes, w, lambda, beta, eta, gradient, hessian);
                return new LogisticFit(beta, objective + Penalty(lambda, beta), maxGradient, iteration + 1);
            }
            if (iteration == maxIterations)
                throw new LogisticFitException(
                    $"logistic regression did not converge in {maxIterations} Newton steps (largest |gradient| {maxGradient:E2}, " +
                    $"largest step {maxStep:E2}): the outcomes are probably separated perfectly by the covariates, so the " +
                    "likelihood has no finite maximum; a small L2 penalty gives one.");
            double slope = 0;
            for (int j = 0; j < p; j++)
                slope += gradient[j] * step[j];
            // Backtracking (Armijo) on the penalised log-likelihood; the slack admits a full Newton step that changes
            // the objective by no more than its rounding error, which happens once β is converged to ~1e-8.
            double slack = 1e-13 * (1 + Math.Abs(objective));
            double t = 1.0;
            bool accepted = false;
            for (int halving = 0; halving < 60; halving++, t *= 0.5)
            {
                for (int j = 0; j < p; j++)
                    trial[j] = beta[j] + t * step[j];
                double candidate = Objective(design, outcomes, w, lambda, trial, eta);
                if (candidate >= objective + 1e-4 * t * slope - slack)
                {
                    objective = candidate;
                    Array.Copy(trial, beta, p);
                    accepted = true;
                    break;
                }
            }
            if (!accepted)
                throw new LogisticFitException(
                    $"logistic regression's line search found no uphill step (largest |gradient| {maxGradient:E2}); the " +
                    "problem is too badly conditioned to solve in double precision.");
            // Objective left eta at the last trial; recompute it at the accepted β for the next gradient.
            Objective(design, outcomes, w, lambda, beta, eta);
        }
    }

    /// <summary>σ(η) = 1/(1 + e^−η), without overflow for either sign of η.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sigmoid(double eta)
    {
        if (eta >= 0)
            return 1.0 / (1.0 + Math.Exp(-eta));
        double e = Math.Exp(eta);
        return e / (1.0 + e);
    }

    /// <summary>ln(p/(1 − p)).</summary>
    public static double Logit(double probability) => Math.Log(probability / (1 - probability));

    private static void Validate(double[,] design, ReadOnlySpan<double> outcomes, ReadOnlySpan<double> weights, ReadOnlySpan<double> l2Penalties)
    {
        int n = design.GetLength(0), p = design.GetLength(1);
        if (n == 0 || p == 0)
            throw new ArgumentException($"the design must have rows and columns; got {n}×{p}.", nameof(design));
        if (outcomes.Length != n)
            throw new ArgumentException($"{outcomes.Length} outcomes for {n} design rows.", nameof(outcomes));
        if (!weights.IsEmpty && weights.Length != n)
            throw new ArgumentException($"{weights.Length} weights for {n} design rows.", nameof(weights));
        if (!l2Penalties.IsEmpty && l2Penalties.Length != p)
            throw new ArgumentException($"{l2Penalties.Length} penalties for {p} design columns.", nameof(l2Penalties));
        foreach (var x in design)
        {
            if (!double.IsFinite(x))
                throw new ArgumentException("the design must be finite.", nameof(design));
        }
        foreach (var y in outcomes)
        {
            if (!(y >= 0 && y <= 1))
                throw new ArgumentOutOfRangeException(nameof(outcomes), y, "outcomes must lie in [0, 1].");
        }
        foreach (var v in weights)
        {
            if (!(v >= 0) || double.IsInfinity(v))
                throw new ArgumentOutOfRangeException(nameof(weights), v, "weights must be finite and non-negative.");
        }
        foreach (var v in l2Penalties)
        {
            if (!(v >= 0) || double.IsInfinity(v))
                throw new ArgumentOutOfRangeException(nameof(l2Penalties), v, "penalties must be finite and non-negative.");
        }
    }

    private static double Penalty(double[] lambda, double[] beta)
    {
        double s = 0;
        for (int j = 0; j < beta.Length; j++)
            s += 0.5 * lambda[j] * beta[j] * beta[j];
        return s;
    }

    // The penalised log-likelihood Σ wᵢ·(yᵢηᵢ − softplus(ηᵢ)) − ½Σλⱼβⱼ², with softplus(η) = ln(1 + e^η) computed as
    // max(η, 0) + ln(1 + e^−|η|) so that it neither overflows nor loses the small term. Leaves ηᵢ = xᵢ·β in eta.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Objective(double[,] x, ReadOnlySpan<double> y, double[] w, double[] lambda, double[] beta, double[] eta)
    {
        int n = x.GetLength(0), p = x.GetLength(1);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double e = 0;
            for (int j = 0; j < p; j++)
                e += x[i, j] * beta[j];
            eta[i] = e;
            if (w[i] == 0)
                continue;
            double softplus = Math.Max(e, 0) + Math.Log(1 + Math.Exp(-Math.Abs(e)));
            sum += w[i] * (y[i] * e - softplus);
        }
        return sum - Penalty(lambda, beta);
    }

    // The gradient Xᵀ W (y − p) − Λβ of the penalised log-likelihood and the Hessian of its negative, XᵀWVX + Λ with
    // V = diag(p(1 − p)) (lower triangle, mirrored); returns the gradient's largest absolute component.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double GradientAndHessian(double[,] x, ReadOnlySpan<double> y, double[] w, double[] lambda, double[] beta, double[] eta,
        double[] gradient, double[,] hessian)
    {
        int n = x.GetLength(0), p = x.GetLength(1);
        for (int j = 0; j < p; j++)
        {
            gradient[j] = -lambda[j] * beta[j];
            for (int k = 0; k <= j; k++)
                hessian[j, k] = j == k ? lambda[j] : 0;
        }
        for (int i = 0; i < n; i++)
        {
            if (w[i] == 0)
                continue;
            double prob = Sigmoid(eta[i]);
            double residual = w[i] * (y[i] - prob);
            double curvature = w[i] * prob * (1 - prob);
            for (int j = 0; j < p; j++)
            {
                double xij = x[i, j];
                if (xij == 0)
                    continue;
                gradient[j] += residual * xij;
                double cx = curvature * xij;
                for (int k = 0; k <= j; k++)
                    hessian[j, k] += cx * x[i, k];
            }
        }
        double max = 0;
        for (int j = 0; j < p; j++)
        {
            max = Math.Max(max, Math.Abs(gradient[j]));
            for (int k = 0; k < j; k++)
                hessian[k, j] = hessian[j, k];
        }
        return max;
    }
}
