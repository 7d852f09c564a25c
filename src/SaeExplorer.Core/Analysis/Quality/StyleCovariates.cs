namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>The style of one answer as Chatbot Arena's style control measures it.</summary>
/// <param name="LengthTokens">Answer length in tokens.</param>
/// <param name="Headers">Markdown headers (see <see cref="MarkdownStyle"/>).</param>
/// <param name="ListItems">Markdown list items.</param>
/// <param name="Bold">Bold spans.</param>
public readonly record struct AnswerStyle(double LengthTokens, double Headers, double ListItems, double Bold);

/// <summary>
/// Covariates of pairwise comparisons for a style-controlled Bradley–Terry fit: <see cref="Rows"/>[i] belongs to
/// comparison i and holds one value per name in <see cref="Names"/>, a difference between A's answer and B's that
/// is 0 when they do not differ — item strengths are reported at covariates 0.
/// </summary>
public sealed record StyleCovariates(IReadOnlyList<string> Names, IReadOnlyList<double[]> Rows)
{
    /// <summary>The covariate names <see cref="Arena"/> produces, in order.</summary>
    public static readonly IReadOnlyList<string> ArenaNames = ["length", "headers", "list_items", "bold"];

    /// <summary>
    /// Chatbot Arena's style covariates (LMSYS, "Does style matter?", 2024): for length in tokens, header count, list
    /// item count and bold count, the normalised difference (a − b)/(a + b) of A's and B's answers, which lies in
    /// [−1, 1] and makes a 100-token gap between short answers count more than between long ones. Arena then
    /// standardises each column; that is left out here: scaling a column changes only its own coefficient's units, and
    /// centring it would move "no style difference" away from 0 and so change the item strengths reported.
    /// </summary>
    public static StyleCovariates Arena(IReadOnlyList<(AnswerStyle A, AnswerStyle B)> styles)
    {
        ArgumentNullException.ThrowIfNull(styles);
        var rows = styles.Select(s => new[]
        {
            NormalizedDifference(s.A.LengthTokens, s.B.LengthTokens),
            NormalizedDifference(s.A.Headers, s.B.Headers),
            NormalizedDifference(s.A.ListItems, s.B.ListItems),
            NormalizedDifference(s.A.Bold, s.B.Bold),
        }).ToArray();
        return new StyleCovariates(ArenaNames, rows);
    }

    /// <summary>(a − b)/(a + b) for non-negative counts; 0 when both are 0 (no headers on either side is no difference).</summary>
    public static double NormalizedDifference(double a, double b)
    {
        if (!(a >= 0) || !(b >= 0) || double.IsInfinity(a) || double.IsInfinity(b))
            throw new ArgumentOutOfRangeException(nameof(a), $"style counts must be finite and non-negative; got {a} and {b}.");
        return a + b == 0 ? 0 : (a - b) / (a + b);
    }
}
