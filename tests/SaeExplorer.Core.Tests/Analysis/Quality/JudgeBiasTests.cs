using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class JudgeBiasTests
{
    private static readonly JudgedPair[] Verdicts =
    [
        // t1: the long standard answer wins in both orders — consistent.
        new("t1", "standard", "terse", 1, 300, 100),
        new("t1", "terse", "standard", 0, 100, 300),
        // t2: whichever is shown first wins — inconsistent.
        new("t2", "standard", "terse", 1, 300, 100),
        new("t2", "terse", "standard", 1, 100, 300),
        // t3: a tie both ways between equal lengths — consistent.
        new("t3", "standard", "terse", 0.5, 200, 200),
        new("t3", "terse", "standard", 0.5, 200, 200),
        // t4: judged in one order only.
        new("t4", "standard", "verbose", 0, 200, 500),
        // t5: first wins both ways — inconsistent.
        new("t5", "verbose", "standard", 1, 500, 200),
        new("t5", "standard", "verbose", 1, 200, 500),
    ];

    [Fact]
    public void Diagnostics_by_hand()
    {
        var r = JudgeBias.Compute(Verdicts);
        Assert.Equal(9, r.Verdicts);
        Assert.Equal(7, r.Decisive);
        Assert.Equal(2.0 / 9, r.TieRate, 15);
        // Decisive verdicts won by the first answer: t1 first order, t2 both, t5 both = 5 of 7.
        Assert.Equal(new Proportion(5, 7), r.FirstPositionWins);
        // Won by the longer answer: t1 both, t2 first order, t4, t5 first order = 5 of 7 (all decisive ones differ in length).
        Assert.Equal(new Proportion(5, 7), r.LongerAnswerWins);
        // Sign test 5 vs 2: 2·(C(7,0) + C(7,1) + C(7,2))/2⁷ = 58/128.
        Assert.Equal(58.0 / 128, r.LongerAnswerSignP, 15);
        Assert.Equal(58.0 / 128, r.FirstPositionSignP, 15);
        // Pairs judged both ways: t1, t2, t3, t5; consistent t1 and t3.
        Assert.Equal(new Proportion(2, 4), r.PositionConsistency);
        Assert.Equal(0.5, r.PositionConsistency.Rate);
    }

    [Fact]
    public void Empty_and_duplicate_input()
    {
        var r = JudgeBias.Compute([]);
        Assert.True(double.IsNaN(r.TieRate) && double.IsNaN(r.LongerAnswerWins.Rate) && double.IsNaN(r.PositionConsistency.Rate));
        Assert.Equal(1.0, r.FirstPositionSignP);
        var duplicate = Assert.Throws<ArgumentException>(() => JudgeBias.Compute([Verdicts[0], Verdicts[0]]));
        Assert.Contains("two verdicts", duplicate.Message);
        Assert.Throws<ArgumentException>(() => JudgeBias.Compute([new JudgedPair("t", "a", "a", 1, 1, 2)]));
    }
}
