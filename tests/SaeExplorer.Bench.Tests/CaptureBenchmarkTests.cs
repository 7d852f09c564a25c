using SaeExplorer.Bench.Gpu;
using static TorchSharp.torch;

namespace SaeExplorer.Bench.Tests;

public sealed class CaptureBenchmarkTests
{
    [Fact]
    public void The_workload_has_the_python_reference_lengths()
    {
        // python3 -c "import random; random.seed(0); print([random.randint(45, 95) for _ in range(300)])"
        var lengths = CaptureBenchmark.WorkloadLengths();
        Assert.Equal(300, lengths.Length);
        Assert.Equal([69, 93, 71, 47, 61, 77, 76, 70, 95, 64], lengths.Take(10));
        Assert.Equal(20929, lengths.Sum());
    }

    [Fact]
    public void A_tiny_synthetic_run_reports_per_layer_figures_and_sae_cost()
    {
        var bench = new CaptureBenchmark(SyntheticModels.Get("tiny"), ScalarType.Float32, [CPU]);
        var report = bench.Run([1, 2], [64], latencyReps: 1, batchReps: 1);
        var perLayer = Assert.IsType<Dictionary<string, double>>(report["per_layer_s"]);
        Assert.Equal(["all300_bs64_s", "latency_1x60_s"], perLayer.Keys.Order());
        var workload = Assert.IsType<Dictionary<string, object?>>(report["workload"]);
        Assert.Equal(20929, workload["tokens"]);

        var sae = bench.RunSae(32, 256, reps: 1);
        Assert.Equal(20929, sae["tokens"]);
        Assert.True((double)sae["sae_encode_sparse_s"]! > 0);
        // The bias leaves a small fraction of the 256 latents active (~0.2% of them for the 65,536-wide SAE).
        Assert.InRange((double)sae["active_per_token"]!, 0.01, 5);
    }
}
