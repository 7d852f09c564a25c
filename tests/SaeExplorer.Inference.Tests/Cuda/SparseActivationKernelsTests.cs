using System.Text.RegularExpressions;
using SaeExplorer.Inference.Cuda;
using SaeExplorer.Inference.Saes;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Cuda;

/// <summary>
/// What can be checked without a GPU: the embedded CUDA source, where NVRTC is looked for, and that CPU work keeps
/// torch's route. The kernels themselves run on the GPU machine: `saex-bench capture --sae` compares both routes
/// entry for entry and tests/gpu/run_sae_parity.sh encodes the fixture SAEs on CUDA against the CPU.
/// </summary>
public sealed class SparseActivationKernelsTests
{
    [Fact]
    public void The_embedded_source_defines_every_kernel_the_launcher_looks_up()
    {
        var source = SparseActivationKernels.Source;
        var instantiated = Regex.Matches(source, @"^SAEX_INSTANTIATE\((\w+),", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        var launcher = File.ReadAllText(Path.Combine(FixturePaths.RepoRoot, "src", "SaeExplorer.Inference", "Cuda", "SparseActivationKernels.cs"));
        var looked = Regex.Matches(launcher, "\"((?:bf16|f16|f32)_v\\d+)\"").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(9, looked.Count);
        Assert.True(looked.SetEquals(instantiated), $"launcher: {string.Join(", ", looked.Order())}; source: {string.Join(", ", instantiated.Order())}");
        // NVRTC gets no include path: the source must stand alone.
        Assert.DoesNotContain("#include", source);
    }

    [Fact]
    public void The_layer_kernels_the_launcher_looks_up_are_defined_without_headers()
    {
        var source = CudaModule.Source(LlamaKernels.SourceName);
        var defined = Regex.Matches(source, @"extern ""C"" __global__ void (\w+)\(").Select(m => m.Groups[1].Value).ToHashSet();
        var launcher = File.ReadAllText(Path.Combine(FixturePaths.RepoRoot, "src", "SaeExplorer.Inference", "Cuda", "LlamaKernels.cs"));
        var looked = Regex.Matches(launcher, @"Function\(""(\w+)""\)").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(["saex_attention_inputs", "saex_rms_norm", "saex_silu_mul"], looked.Order());
        Assert.True(looked.SetEquals(defined), $"launcher: {string.Join(", ", looked.Order())}; source: {string.Join(", ", defined.Order())}");
        Assert.DoesNotContain("#include", source);
    }

    [Fact]
    public void Nvrtc_is_looked_for_beside_libtorch_and_in_the_pip_wheel_layout_before_the_loader_path()
    {
        using var root = new TempDirectory();
        var torchLib = Directory.CreateDirectory(Path.Combine(root.Path, "site-packages", "torch", "lib")).FullName;
        var wheel = Directory.CreateDirectory(Path.Combine(root.Path, "site-packages", "nvidia", "cu13", "lib")).FullName;
        foreach (var name in new[] { "libnvrtc.so.13", "libnvrtc-builtins.so.13.0", "libnvrtc.alt.so.13", "libnvrtc-builtins.alt.so.13.0" })
            File.WriteAllBytes(Path.Combine(wheel, name), []);
        File.WriteAllBytes(Path.Combine(torchLib, "libnvrtc-b51b459d.so.12"), []);

        var candidates = Nvrtc.Candidates(null, [torchLib]).ToList();

        Assert.Equal([Path.Combine(torchLib, "libnvrtc-b51b459d.so.12"), Path.Combine(wheel, "libnvrtc.so.13"), "libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"], candidates);
        Assert.Equal(["/opt/cuda/lib64/libnvrtc.so.12"], Nvrtc.Candidates("/opt/cuda/lib64/libnvrtc.so.12", [torchLib]));
    }

    [Fact]
    public void On_the_cpu_the_kernels_are_not_used_and_the_route_says_why()
    {
        Assert.Null(SparseActivationKernels.For(CPU, out var problem));
        Assert.Equal("not a CUDA device", problem);

        using var scope = NewDisposeScope();
        var config = new SaeConfig("standard", 4, 6, false, null, "goodfire", "test");
        using var sae = new ReluSae(config, eye(4, 6), zeros(6), zeros(6, 4), zeros(4));
        Assert.Equal("torch (not a CUDA device)", sae.SparseRoute());
        var x = tensor(new float[] { 1, -2, 0, 3, 0, 0, 0, 0 }).reshape(2, 4);
        var m = sae.EncodeSparse(x);
        Assert.Equal([0, 2, 2], m.RowStarts);
        Assert.Equal([0, 3], m.Indices);
        Assert.Equal([1f, 3f], m.Values);
    }
}
