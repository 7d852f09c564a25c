using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>One pairwise comparison of item A with item B.</summary>
/// <param name="OutcomeForA">1 when A won, 0 when B won, 0.5 for a tie; any fraction in between is an expected outcome (e.g. the mean of two orders).</param>
public readonly record struct PairwiseOutcome(int A, int B, double OutcomeForA);

/// <summary>Settings of a Bradley–Terry fit.</summary>
/// <param name="L2Penalty">
/// Ridge penalty ½λ‖β‖² on every coefficient (strengths and style). The default 1e-6 moves a well-determined strength
/// by about 1e-6/(its Fisher information) — invisible — but keeps the fit finite when an item won (or lost) every
/// comparison it was in, whose maximum-likelihood strength is infinite; such an item gets a large finite strength
/// (|β| of order ln(n/λ)), and intervals from resamples that separate are wide rather than missing. With 0 the fit is
/// the plain MLE and separated data throws <see cref="LogisticFitException"/> (a separated bootstrap resample is then
/// skipped and counted).
/// </param>
/// <param name="Resamples">Bootstrap resamples of the comparisons.</param>
/// <param name="Seed">Seeds the bootstrap.</param>
/// <param name="Level">Coverage of the percentile intervals.</param>
public sealed record BradleyTerryOptions(double L2Penalty = 1e-6, int Resamples = Correlation.DefaultResamples, ulong Seed = 0, double Level = 0.95);

/// <summary>An item's strength β relative to the reference item (whose β is 0).</summary>
/// <param name="LogOdds">
/// β on the natural log-odds scale: P(i beats j) = σ(βᵢ − βⱼ). With its bootstrap interval; NaN when the item is not
/// linked to the reference by a chain of comparisons (its strength relative to it is then undetermined).
/// </param>
public sealed record ItemStrength(int Item, ConfidenceInterval LogOdds)
{
    /// <summary><see cref="LogOdds"/> on the Elo-like scale of Chatbot Arena (see <see cref="BradleyTerry.ToElo(double)"/>).</summary>
    public ConfidenceInterval Elo => BradleyTerry.ToElo(LogOdds);
}

/// <summary>A style covariate's coefficient: log-odds of winning per unit of the covariate's difference.</summary>
/// <param name="Coefficient">NaN when the covariate was 0 in every comparison (it never differed, so it has no effect to estimate).</param>
public sealed record StyleCoefficient(string Name, ConfidenceInterval Coefficient);

/// <summary>A fitted Bradley–Terry model.</summary>
/// <param name="Items">One per item 0 … itemCount − 1, the reference included (at 0).</param>
/// <param name="Style">The style coefficients, empty for a fit without style control.</param>
/// <param name="SkippedResamples">Resamples whose fit had no finite maximum (only possible with a zero penalty), left out of every interval.</param>
public sealed record BradleyTerryResult(
    int Reference,
    IReadOnlyList<ItemStrength> Items,
    IReadOnlyList<StyleCoefficient> Style,
    int Comparisons,
    double L2Penalty,
    int SkippedResamples);

/// <summary>
/// Bradley–Terry strengths from pairwise comparisons, fitted as Chatbot Arena fits them: a logistic regression without
/// intercept on one row per comparison, +1 in A's column and −1 in B's, outcome = A's result (ties count half), with
/// the reference item's column left out so that its strength is 0 and the others are log-odds against it. Style
/// control adds the comparison's style covariates (differences between A's answer and B's) as further columns fitted
/// jointly; the item coefficients are then the strengths at equal style. Intervals are percentile bootstraps that
/// resample comparisons. A resample can leave an item without any comparison linking it to the reference (or drop the
/// reference): that item's strength is undefined in that resample and it is left out of that item's interval only
/// (<see cref="ConfidenceInterval.Resamples"/> counts the rest); likewise a style covariate that is 0 throughout a
/// resample.
/// </summary>
public static class BradleyTerry
{
    /// <summary>Elo points per unit of log-odds: Arena's scale 400 with base 10, i.e. 400/ln 10.</summary>
    public static readonly double EloPerLogOdds = 400 / Math.Log(10);

    /// <summary>The Elo-like rating of the reference item.</summary>
    public const double EloOfReference = 1000;

    /// <summary>400/ln 10 · β + 1000: a 400-point gap is 10:1 odds of winning.</summary>
    public static double ToElo(double logOdds) => EloPerLogOdds * logOdds + EloOfReference;

    /// <summary>An interval on the log-odds scale mapped to the Elo-like scale (an increasing map, so ends stay ends).</summary>
    public static ConfidenceInterval ToElo(ConfidenceInterval logOdds) =>
        logOdds with { Estimate = ToElo(logOdds.Estimate), Lower = ToElo(logOdds.Lower), Upper = ToElo(logOdds.Upper) };

    /// <summary>Plain Bradley–Terry strengths of items 0 … <paramref name="itemCount"/> − 1 against <paramref name="reference"/>.</summary>
    public static BradleyTerryResult Fit(int itemCount, IReadOnlyList<PairwiseOutcome> comparisons, int reference, BradleyTerryOptions? options = null) =>
        FitCore(itemCount, comparisons, null, reference, options ?? new BradleyTerryOptions());

    /// <summary>Style-controlled strengths: the comparisons' <paramref name="style"/> covariates are fitted jointly with the items.</summary>
    public static BradleyTerryResult FitStyleControlled(int itemCount, IReadOnlyList<PairwiseOutcome> comparisons, StyleCovariates style, int reference,
        BradleyTerryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(style);
        return FitCore(itemCount, comparisons, style, reference, options ?? new BradleyTerryOptions());
    }

    private static BradleyTerryResult FitCore(int itemCount, IReadOnlyList<PairwiseOutcome> comparisons, StyleCovariates? style, int reference,
        BradleyTerryOptions options)
    {
        Validate(itemCount, comparisons, style, reference, options);
        int n = comparisons.Count;
        int styleCount = style?.Names.Count ?? 0;
        var ones = new double[n];
        Array.Fill(ones, 1.0);
        var estimate = FitWeighted(itemCount, comparisons, style, reference, options.L2Penalty, ones);

        var itemDraws = Enumerable.Range(0, itemCount).Select(_ => new List<double>(options.Resamples)).ToArray();
        var styleDraws = Enumerable.Range(0, styleCount).Select(_ => new List<double>(options.Resamples)).ToArray();
        var rng = new IndexResampler(options.Seed);
        var counts = new double[n];
        int skipped = 0;
        for (int r = 0; r < options.Resamples; r++)
        {
            rng.DrawCounts(counts);
            (double[] Items, double[] Style) draw;
            try
            {
                draw = FitWeighted(itemCount, comparisons, style, reference, options.L2Penalty, counts);
            }
            catch (LogisticFitException)
            {
                skipped++;
                continue;
            }
            for (int i = 0; i < itemCount; i++)
                itemDraws[i].Add(draw.Items[i]);
            for (int s = 0; s < styleCount; s++)
                styleDraws[s].Add(draw.Style[s]);
        }

        var items = new ItemStrength[itemCount];
        for (int i = 0; i < itemCount; i++)
        {
            items[i] = new ItemStrength(i, double.IsNaN(estimate.Items[i])
                ? PercentileInterval.Undefined(options.Level, options.Seed)
                : PercentileInterval.From(estimate.Items[i], itemDraws[i], options.Level, options.Seed));
        }
        var styles = new StyleCoefficient[styleCount];
        for (int s = 0; s < styleCount; s++)
        {
            styles[s] = new StyleCoefficient(style!.Names[s], double.IsNaN(estimate.Style[s])
                ? PercentileInterval.Undefined(options.Level, options.Seed)
                : PercentileInterval.From(estimate.Style[s], styleDraws[s], options.Level, options.Seed));
        }
        return new BradleyTerryResult(reference, items, styles, n, options.L2Penalty, skipped);
    }

    // One fit with comparison i weighted weights[i] (1 for the data, its multiplicity in a resample). Items not linked to
    // the reference through comparisons of positive weight, and style columns that are 0 on every such comparison, are
    // left out of the design (they would make it singular) and come back as NaN.
    private static (double[] Items, double[] Style) FitWeighted(int itemCount, IReadOnlyList<PairwiseOutcome> comparisons, StyleCovariates? style,
        int reference, double penalty, double[] weights)
    {
        int n = comparisons.Count;
        int styleCount = style?.Names.Count ?? 0;
        var linked = LinkedToReference(itemCount, comparisons, reference, weights);
        var rows = new List<int>(n);
        for (int i = 0; i < n; i++)
        {
            if (weights[i] > 0 && linked[comparisons[i].A])
                rows.Add(i);
        }
        var itemColumn = new int[itemCount];
        int columns = 0;
        for (int item = 0; item < itemCount; item++)
            itemColumn[item] = linked[item] && item != reference ? columns++ : -1;
        var styleColumn = new int[styleCount];
        for (int s = 0; s < styleCount; s++)
            styleColumn[s] = rows.Any(i => style!.Rows[i][s] != 0) ? columns++ : -1;

        var items = new double[itemCount];
        var styles = new double[styleCount];
        for (int item = 0; item < itemCount; item++)
            items[item] = item == reference && linked[item] ? 0 : double.NaN;
        Array.Fill(styles, double.NaN);
        if (columns == 0)
            return (items, styles);

        var design = new double[rows.Count, columns];
        var outcomes = new double[rows.Count];
        var rowWeights = new double[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            var c = comparisons[rows[r]];
            if (itemColumn[c.A] >= 0)
                design[r, itemColumn[c.A]] = 1;
            if (itemColumn[c.B] >= 0)
                design[r, itemColumn[c.B]] = -1;
            for (int s = 0; s < styleCount; s++)
            {
                if (styleColumn[s] >= 0)
                    design[r, styleColumn[s]] = style!.Rows[rows[r]][s];
            }
            outcomes[r] = c.OutcomeForA;
            rowWeights[r] = weights[rows[r]];
        }
        var penalties = new double[columns];
        Array.Fill(penalties, penalty);
        var beta = LogisticRegression.Fit(design, outcomes, rowWeights, penalties).Coefficients;
        for (int item = 0; item < itemCount; item++)
        {
            if (itemColumn[item] >= 0)
                items[item] = beta[itemColumn[item]];
        }
        for (int s = 0; s < styleCount; s++)
        {
            if (styleColumn[s] >= 0)
                styles[s] = beta[styleColumn[s]];
        }
        return (items, styles);
    }

    // Which items a chain of positively weighted comparisons joins to the reference (union–find with path halving).
    private static bool[] LinkedToReference(int itemCount, IReadOnlyList<PairwiseOutcome> comparisons, int reference, double[] weights)
    {
        var parent = Enumerable.Range(0, itemCount).ToArray();
        int Root(int i)
        {
            while (parent[i] != i)
                i = parent[i] = parent[parent[i]];
            return i;
        }
        for (int i = 0; i < comparisons.Count; i++)
        {
            if (weights[i] > 0)
                parent[Root(comparisons[i].A)] = Root(comparisons[i].B);
        }
        var appears = new bool[itemCount];
        for (int i = 0; i < comparisons.Count; i++)
        {
            if (weights[i] > 0)
                appears[comparisons[i].A] = appears[comparisons[i].B] = true;
        }
        int referenceRoot = Root(reference);
        var linked = new bool[itemCount];
        for (int item = 0; item < itemCount; item++)
            linked[item] = appears[item] && appears[reference] && Root(item) == referenceRoot;
        return linked;
    }

    private static void Validate(int itemCount, IReadOnlyList<PairwiseOutcome> comparisons, StyleCovariates? style, int reference,
        BradleyTerryOptions options)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 2);
        if (reference < 0 || reference >= itemCount)
            throw new ArgumentOutOfRangeException(nameof(reference), reference, $"the reference must be one of the {itemCount} items.");
        if (comparisons.Count == 0)
            throw new ArgumentException("a Bradley–Terry fit needs at least one comparison.", nameof(comparisons));
        if (!(options.L2Penalty >= 0) || double.IsInfinity(options.L2Penalty))
            throw new ArgumentOutOfRangeException(nameof(options), options.L2Penalty, "the L2 penalty must be finite and non-negative.");
        PercentileInterval.CheckArguments(options.Resamples, options.Level);
        for (int i = 0; i < comparisons.Count; i++)
        {
            var c = comparisons[i];
            if (c.A < 0 || c.A >= itemCount || c.B < 0 || c.B >= itemCount)
                throw new ArgumentOutOfRangeException(nameof(comparisons), $"comparison {i} names item {c.A} or {c.B}, outside 0…{itemCount - 1}.");
            if (c.A == c.B)
                throw new ArgumentException($"comparison {i} compares item {c.A} with itself.", nameof(comparisons));
            if (!(c.OutcomeForA >= 0 && c.OutcomeForA <= 1))
                throw new ArgumentOutOfRangeException(nameof(comparisons), c.OutcomeForA, $"comparison {i}'s outcome must lie in [0, 1].");
        }
        if (style is null)
            return;
        if (style.Rows.Count != comparisons.Count)
            throw new ArgumentException($"{style.Rows.Count} style rows for {comparisons.Count} comparisons.", nameof(style));
        for (int i = 0; i < style.Rows.Count; i++)
        {
            if (style.Rows[i].Length != style.Names.Count)
                throw new ArgumentException($"style row {i} has {style.Rows[i].Length} values for {style.Names.Count} covariates.", nameof(style));
            if (style.Rows[i].Any(v => !double.IsFinite(v)))
                throw new ArgumentException($"style row {i} contains NaN or infinity.", nameof(style));
        }
    }
}
