using SaeExplorer.Inference.Capture;
using SaeExplorer.Inference.Models.Llama;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Models.Llama;

/// <summary>
/// bfloat16 compute against the float32 goldens. Measured on 2026-11-26 (CPU, all 10 prompts, layers 0–3, batch 1
/// and 10): worst per-token relative L2 error 1.89e-2, worst max|diff| / max|golden| 1.14e-2 — what 8-bit
/// mantissas give after four layers. The bounds below sit just above those measurements.
/// </summary>
public sealed class LlamaBfloat16Tests
{
    private const double PerTokenRelativeL2Bound = 2.5e-2;
    private const double MaxAbsRelativeBound = 1.5e-2;

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void Bfloat16_capture_stays_within_the_measured_relative_bound(int batchSize)
    {
        using var model = LlamaForCausalLM.Load(FixturePaths.TinyModel, 3, withHead: false, ScalarType.BFloat16, CPU);
        var results = new ResidualCapture(model).Run(Golden.PromptIds, [0, 1, 2, 3], batchSize).ToList();
        foreach (var r in results)
        {
            foreach (var layer in new[] { 0, 1, 2, 3 })
            {
                var golden = Golden.Capture($"p{r.Index}.resid_post.{layer}");
                var ours = r.ResidPost[layer];
                double maxRel = Golden.MaxAbsDiff(ours, golden) / Golden.MaxAbs(golden);
                Assert.True(maxRel <= MaxAbsRelativeBound, $"p{r.Index} layer {layer}: max|diff|/max|golden| {maxRel:E2}");
                for (int t = 0; t < r.TokenCount; t++)
                {
                    double num = 0, den = 0;
                    for (int k = 0; k < r.DModel; k++)
                    {
                        double a = ours[t * r.DModel + k], g = golden[t * r.DModel + k];
                        num += (a - g) * (a - g);
                        den += g * g;
                    }
                    double rel = Math.Sqrt(num / den);
                    Assert.True(rel <= PerTokenRelativeL2Bound, $"p{r.Index} layer {layer} token {t}: relative L2 {rel:E2}");
                }
                // bf16 is not float32 rounded late: a result equal to the goldens would mean the dtype was ignored.
                Assert.True(Golden.MaxAbsDiff(ours, golden) > 1e-4, $"p{r.Index} layer {layer}: bf16 result identical to fp32");
            }
        }
    }
}
