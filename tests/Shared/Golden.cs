using System.Text.Json;
using SaeExplorer.Inference.Loading;

namespace SaeExplorer.Tests;

/// <summary>The reference activations and prompts computed by transformers (see tests/fixtures/README.md).</summary>
internal static class Golden
{
    private static readonly Lazy<int[][]> Ids = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.GoldenCaptureJson));
        return doc.RootElement.GetProperty("prompts").EnumerateArray()
            .Select(p => p.GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray())
            .ToArray();
    });

    public static int[][] PromptIds => Ids.Value;
    public static int PromptCount => PromptIds.Length;

    public static float[] Floats(string path, string name)
    {
        using var file = SafetensorsFile.Open(path);
        return Floats(file, name);
    }

    public static float[] Floats(SafetensorsFile file, string name)
    {
        using var t = file.ReadTensor(name);
        using var f = t.to_type(TorchSharp.torch.ScalarType.Float32);
        return f.data<float>().ToArray();
    }

    public static long[] Longs(string path, string name)
    {
        using var file = SafetensorsFile.Open(path);
        using var t = file.ReadTensor(name);
        return t.to_type(TorchSharp.torch.ScalarType.Int64).data<long>().ToArray();
    }

    public static float[] Capture(string name) => Floats(FixturePaths.GoldenCapture, name);

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    public static double MaxAbs(float[] a) => a.Max(x => Math.Abs((double)x));
}
