using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// Page-locked host buffers, one per name, that device tensors are copied into asynchronously (a pageable copy
/// would hold the host until the GPU reached it). Each buffer grows as needed and is reused; a buffer's previous
/// contents must have been read before it is copied into again.
/// </summary>
internal sealed class PinnedStaging : IDisposable
{
    private readonly Dictionary<string, Tensor> _buffers = [];

    /// <summary>Enqueues the copy of a 1-D device tensor; the returned host view holds it once the stream gets there.</summary>
    public Tensor CopyToHost(string name, Tensor source)
    {
        long n = source.numel();
        if (!_buffers.TryGetValue(name, out var buffer) || buffer.numel() < n || buffer.dtype != source.dtype)
        {
            buffer?.Dispose();
            using var pageable = empty(Math.Max(n + n / 2, 1 << 16), source.dtype);
            buffer = pageable.pin_memory().DetachFromDisposeScope();
            _buffers[name] = buffer;
        }
        var view = buffer.narrow(0, 0, n);
        view.copy_(source, true);
        return view;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers.Values)
            buffer.Dispose();
        _buffers.Clear();
    }
}
