using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class PartialCorrelationTests
{
    // Prompt features, quality and length of 12 answers, with length driving both of the others plus noise.
    private static readonly double[] Features = [41, 55, 38, 62, 47, 70, 44, 58, 66, 50, 61, 39];
    private static readonly double[] Quality = [5.5, 6.75, 5.0, 7.25, 6.0, 8.5, 6.25, 6.5, 8.0, 6.5, 7.0, 5.75];
    private static readonly double[] Length = [210, 330, 180, 400, 260, 470, 240, 350, 450, 300, 380, 200];
    private static readonly double[] Headers = [0, 2, 0, 3, 1, 4, 0, 2, 5, 1, 2, 1];

    // The textbook Pearson r, written out here so the check does not lean on the library's own.
    private static double R(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average();
        double sab = a.Zip(b, (x, y) => (x - ma) * (y - mb)).Sum();
        double saa = a.Sum(x => (x - ma) * (x - ma));
        double sbb = b.Sum(y => (y - mb) * (y - mb));
        return sab / Math.Sqrt(saa * sbb);
    }

    private static double ClosedForm(double rxy, double rxz, double ryz) => (rxy - rxz * ryz) / Math.Sqrt((1 - rxz * rxz) * (1 - ryz * ryz));

    [Fact]
    public void One_covariate_matches_the_closed_form()
    {
        double expected = ClosedForm(R(Features, Quality), R(Features, Length), R(Quality, Length));
        Assert.Equal(expected, PartialCorrelation.Pearson(Features, Quality, [Length]), 12);
        // Length explains most of the raw correlation here: the partial one is much weaker.
        Assert.True(R(Features, Quality) > 0.9);
        Assert.True(Math.Abs(expected) < R(Features, Quality) - 0.3);
    }

    [Fact]
    public void Two_covariates_match_the_recursive_formula()
    {
        // r_xy·zw = (r_xy·z − r_xw·z·r_yw·z)/√((1 − r²_xw·z)(1 − r²_yw·z)), each first-order term from the closed form.
        double rxyz = ClosedForm(R(Features, Quality), R(Features, Length), R(Quality, Length));
        double rxwz = ClosedForm(R(Features, Headers), R(Features, Length), R(Headers, Length));
        double rywz = ClosedForm(R(Quality, Headers), R(Quality, Length), R(Headers, Length));
        Assert.Equal(ClosedForm(rxyz, rxwz, rywz), PartialCorrelation.Pearson(Features, Quality, [Length, Headers]), 11);
    }

    [Fact]
    public void Spearman_partial_is_the_closed_form_on_mid_ranks()
    {
        // Quality and Headers have ties: Headers' three 0s share ranks 1–3 (mid-rank 2), its 1s and 2s ranks 4–6 and 7–9.
        var rx = Correlation.Ranks(Features);
        var ry = Correlation.Ranks(Quality);
        var rz = Correlation.Ranks(Headers);
        Assert.Equal([2, 8, 2, 10, 5, 11, 2, 8, 12, 5, 8, 5], rz);
        Assert.Equal(ClosedForm(R(rx, ry), R(rx, rz), R(ry, rz)), PartialCorrelation.Spearman(Features, Quality, [Headers]), 12);
    }

    [Fact]
    public void Redundant_covariates_change_nothing()
    {
        double plain = PartialCorrelation.Pearson(Features, Quality, [Length]);
        // A constant covariate is absorbed by the intercept; a copy, or a linear function, of one adds no direction.
        var constant = Enumerable.Repeat(7.0, Length.Length).ToArray();
        var scaled = Length.Select(v => 2 * v + 5).ToArray();
        Assert.Equal(plain, PartialCorrelation.Pearson(Features, Quality, [Length, constant]), 12);
        Assert.Equal(plain, PartialCorrelation.Pearson(Features, Quality, [Length, scaled]), 12);
        Assert.Equal(R(Features, Quality), PartialCorrelation.Pearson(Features, Quality, [constant]), 12);
    }

    [Fact]
    public void Variable_explained_by_the_covariates_gives_NaN()
    {
        var fromLength = Length.Select(v => 0.5 * v - 3).ToArray();
        Assert.True(double.IsNaN(PartialCorrelation.Pearson(fromLength, Quality, [Length])));
        var ci = PartialCorrelation.PearsonInterval(fromLength, Quality, [Length], 20, seed: 1);
        Assert.True(double.IsNaN(ci.Estimate) && double.IsNaN(ci.Lower));
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        var few = Assert.Throws<ArgumentException>(() => PartialCorrelation.Pearson([1, 2, 3], [2, 1, 3], [[1, 1, 2]]));
        Assert.Contains("at least 4 rows", few.Message);
        Assert.Throws<ArgumentException>(() => PartialCorrelation.Pearson(Features, Quality, []));
        Assert.Throws<ArgumentException>(() => PartialCorrelation.Pearson(Features, Quality, [[1, 2, 3]]));
        Assert.Throws<ArgumentException>(() => PartialCorrelation.Pearson(Features, Quality, [Length.Select(v => v == 300 ? double.NaN : v).ToArray()]));
    }

    [Fact]
    public void Intervals_are_seeded_and_bracket_the_estimate()
    {
        var a = PartialCorrelation.PearsonInterval(Features, Quality, [Length], 500, seed: 9);
        Assert.Equal(a, PartialCorrelation.PearsonInterval(Features, Quality, [Length], 500, seed: 9));
        Assert.Equal(PartialCorrelation.Pearson(Features, Quality, [Length]), a.Estimate, 15);
        Assert.InRange(a.Estimate, a.Lower, a.Upper);
        Assert.InRange(a.Lower, -1.0, 1.0);
        Assert.InRange(a.Upper, -1.0, 1.0);
        var s = PartialCorrelation.SpearmanInterval(Features, Quality, [Length], 500, seed: 9);
        Assert.Equal(PartialCorrelation.Spearman(Features, Quality, [Length]), s.Estimate, 15);
        Assert.InRange(s.Estimate, s.Lower, s.Upper);
    }
}
