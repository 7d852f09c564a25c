using SaeExplorer.Core.Fingerprints;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Runs.Sources;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes.Formats;

/// <summary>
/// Goodfire's format: a <c>torch.save</c> state dict (<c>.pt</c>/<c>.pth</c>) of {encoder_linear.weight [d_sae, d_in],
/// encoder_linear.bias, decoder_linear.weight [d_in, d_sae], decoder_linear.bias}, ReLU. The file does not say which
/// layer it was trained on.
/// </summary>
public sealed class GoodfireFormat : ISaeFormat
{
    public string Name => "goodfire";

    public string? Locate(string path, int? layer) =>
        File.Exists(path) && Path.GetExtension(path).ToLowerInvariant() is ".pt" or ".pth" ? Path.GetFullPath(path) : null;

    public SaeSource Describe(string path, string location)
    {
        var shapes = TorchCheckpointReader.ReadShapes(location);
        if (!shapes.TryGetValue("encoder_linear.weight", out var w) || w.Length != 2)
            throw new CheckpointException(location, "encoder_linear.weight", "missing or not a matrix; not a Goodfire SAE.");
        return new SaeSource(Name, path, location, [location], (int)w[1], (int)w[0], "standard", hookLayer: null, hookName: null,
            () => FileFingerprint.ForFile(location));
    }

    public SparseAutoencoder Load(SaeSource source, ScalarType dtype, Device device)
    {
        var path = source.Location;
        var tensors = TorchCheckpointReader.ReadStateDict(path);
        try
        {
            Tensor Take(string name) => tensors.Remove(name, out var t)
                ? SaeFiles.Prepare(t, dtype, device, path, name)
                : throw new CheckpointException(path, name, $"missing; a Goodfire SAE has encoder_linear.weight/bias and decoder_linear.weight/bias (found: {string.Join(", ", tensors.Keys)}).");
            var encW = Take("encoder_linear.weight");
            var encB = Take("encoder_linear.bias");
            var decW = Take("decoder_linear.weight");
            var decB = Take("decoder_linear.bias");
            if (encW.dim() != 2)
                throw new CheckpointException(path, "encoder_linear.weight", "must be a matrix [d_sae, d_in].");
            var config = new SaeConfig("standard", (int)encW.shape[1], (int)encW.shape[0], ApplyBDecToInput: false, K: null, Name, path);
            // f = relu(x·Wencᵀ + b): the transposed views keep nn.Linear's memory layout for the products.
            return new ReluSae(config, encW.t(), encB, decW.t(), decB);
        }
        finally
        {
            foreach (var t in tensors.Values)
                t.Dispose();
        }
    }
}
