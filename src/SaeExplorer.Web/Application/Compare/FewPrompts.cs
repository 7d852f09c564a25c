using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Web.Application.Compare;

/// <summary>The sides of a contrast with too few prompts for its statistics to be trusted.</summary>
public static class FewPrompts
{
    /// <summary>
    /// Below this many prompts on a side the page warns. With n prompts per side the smallest Fisher p a latent can
    /// reach is that of perfect separation, 2 / C(2n, n): 0.008 for n = 5, so after Benjamini–Hochberg over thousands
    /// of latents no q-value can fall below 0.05 however real the difference; and perfect separation itself comes
    /// easily by chance (a latent active in half the prompts separates 3 prompts against 3 with probability 1/32,
    /// so about thirty of a thousand such latents do). At n = 10 one separating latent has p ≈ 1e-5, which can survive
    /// the correction.
    /// </summary>
    public const int Threshold = 10;

    /// <summary>The sides of <paramref name="report"/> (A, then B) with fewer than <see cref="Threshold"/> prompts.</summary>
    public static IReadOnlyList<ContrastSide> Sides(ContrastStatisticsReport report) =>
        new[] { report.A, report.B }.Where(s => s.PromptCount < Threshold).ToList();
}
