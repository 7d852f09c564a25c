using SaeExplorer.Core.Exports;
using SaeExplorer.Inference.Saes.Formats;
using SaeExplorer.Tests;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Tests.Saes;

/// <summary>
/// The artefacts written for Python (torch.load) read back through the independent weights-only reader. That
/// torch.load itself opens them is checked on the GPU machine (tests/gpu), where PyTorch is installed.
/// </summary>
public sealed class TorchSaveRoundTripTests
{
    [Fact]
    public void Tensors_lists_and_scalars_round_trip()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "artefact.pt");
        var matrix = Enumerable.Range(0, 300 * 7).Select(i => i * 0.25f - 3f).ToArray();
        var many = Enumerable.Range(0, 300).Select(i => $"id-{i}").ToList();
        TorchSaveWriter.Write(path, new Dictionary<string, object?>
        {
            ["activations"] = TorchTensorData.Of(matrix, 300, 7),
            ["token_ids"] = TorchTensorData.Of([128000L, -5L, long.MaxValue], 3),
            ["ids"] = many,
            ["layer"] = 50,
            ["big"] = 1L << 40,
            ["scale"] = 0.5,
            ["pooling"] = "last",
            ["flag"] = true,
            ["nothing"] = null,
            ["nested"] = new Dictionary<string, object?> { ["a"] = new List<object?> { 1, "two" } },
        });

        var root = TorchCheckpointReader.Load(path) as Dictionary<object, object?>;
        try
        {
            Assert.NotNull(root);
            var acts = Assert.IsAssignableFrom<Tensor>(root["activations"]);
            Assert.Equal([300L, 7L], acts.shape);
            Assert.Equal(ScalarType.Float32, acts.dtype);
            Assert.Equal(matrix, acts.data<float>().ToArray());
            var ids = Assert.IsAssignableFrom<Tensor>(root["token_ids"]);
            Assert.Equal([128000L, -5L, long.MaxValue], ids.data<long>().ToArray());
            Assert.Equal(many, Assert.IsType<List<object?>>(root["ids"]).Cast<string>());
            Assert.Equal(50L, root["layer"]);
            Assert.Equal(1L << 40, root["big"]);
            Assert.Equal(0.5, root["scale"]);
            Assert.Equal("last", root["pooling"]);
            Assert.Equal(true, root["flag"]);
            Assert.Null(root["nothing"]);
            var nested = Assert.IsType<Dictionary<object, object?>>(root["nested"]);
            Assert.Equal(new object?[] { 1L, "two" }, Assert.IsType<List<object?>>(nested["a"]));
        }
        finally
        {
            TorchCheckpointReader.DisposeTensors(root);
        }
    }

    [Fact]
    public void Entry_data_is_64_byte_aligned_like_pytorch_writes_it()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "aligned.pt");
        TorchSaveWriter.Write(path, new Dictionary<string, object?>
        {
            ["a"] = TorchTensorData.Of([1f, 2f, 3f], 3),
            ["b"] = TorchTensorData.Of(new float[17], 17),
        });
        var bytes = File.ReadAllBytes(path);
        int found = 0;
        for (int i = 0; i + 30 < bytes.Length; i++)
        {
            if (BitConverter.ToUInt32(bytes, i) != 0x04034b50u)
                continue;
            int nameLength = BitConverter.ToUInt16(bytes, i + 26), extra = BitConverter.ToUInt16(bytes, i + 28);
            Assert.Equal(0, (i + 30 + nameLength + extra) % 64);
            found++;
        }
        Assert.Equal(5, found); // data.pkl, byteorder, two storages, version
    }
}
