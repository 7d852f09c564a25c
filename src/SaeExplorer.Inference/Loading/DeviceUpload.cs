using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SaeExplorer.Inference.Cuda;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Loading;

/// <summary>
/// Moves tensors from a file straight to a GPU through two pinned (page-locked) staging buffers: while one buffer's
/// bytes travel to the device asynchronously, the next file region is read into the other with large sequential
/// reads. No tensor passes through managed memory or a pageable host copy, and disk reads overlap the copies.
/// </summary>
public sealed class DeviceUpload : IDisposable
{
    // The element count of one staging buffer; 64 Mi elements is 128 MiB of bf16.
    private const long ChunkElements = 64L << 20;

    private readonly Device _device;
    private readonly Dictionary<ScalarType, Tensor[]> _buffers = [];
    // Per staging slot, the point after the last copy out of it: refilling a slot waits for that copy only, so the
    // other slot's copy runs on while the disk or page cache fills this one. Null where the driver API is missing,
    // and then each refill waits for the whole device.
    private readonly CudaEvent?[] _copied = new CudaEvent?[2];
    private int _next;

    public DeviceUpload(Device device)
    {
        if (device.type != DeviceType.CUDA)
            throw new ArgumentException("pinned uploads only make sense for a CUDA device", nameof(device));
        _device = device;
        int ordinal = Math.Max(0, (int)device.index);
        _copied[0] = CudaEvent.TryCreate(ordinal);
        _copied[1] = _copied[0] is null ? null : CudaEvent.TryCreate(ordinal);
    }

    /// <summary>Reads <paramref name="byteLength"/> bytes at <paramref name="fileOffset"/> into a new device tensor.</summary>
    public Tensor Read(SafeFileHandle file, long fileOffset, long byteLength, ScalarType dtype, long[] shape)
    {
        var destination = empty(shape, dtype, _device);
        long elementSize = SafetensorsDType.ElementSize(dtype);
        long elements = byteLength / elementSize;
        using var flat = destination.view(-1);
        var buffers = Buffers(dtype);
        for (long done = 0; done < elements; done += ChunkElements)
        {
            long count = Math.Min(ChunkElements, elements - done);
            int slot = _next;
            _next ^= 1;
            var buffer = buffers[slot];
            // The copy that last used this slot was enqueued two chunks ago.
            if (_copied[slot] is { } copied)
                copied.Wait();
            else
                cuda.synchronize(_device);
            Fill(file, fileOffset + done * elementSize, buffer, count * elementSize);
            using var source = buffer.narrow(0, 0, count);
            using var target = flat.narrow(0, done, count);
            target.copy_(source, true);
            _copied[slot]?.Record();
        }
        return destination;
    }

    /// <summary>Waits for every copy still in flight (call before using the tensors or disposing).</summary>
    public void Complete() => cuda.synchronize(_device);

    // Several readers at once: from the page cache one thread's copy tops out far below what PCIe takes, and on
    // NVMe parallel requests keep the queue full. From disk more than four made the cold load slower on the GPU
    // machine; from memory more threads pay, so a region that is already cached gets them.
    private const int DiskReaders = 4;
    private static readonly int MemoryReaders = Math.Clamp(Environment.ProcessorCount, DiskReaders, 16);

    private static unsafe void Fill(SafeFileHandle file, long offset, Tensor buffer, long bytes)
    {
        byte* start = (byte*)NativeTensor.DataPointer(buffer);
        int readers = PageCache.ResidentFraction(file, offset, bytes) >= 0.95 ? MemoryReaders : DiskReaders;
        long slice = Math.Max(1 << 20, (bytes + readers - 1) / readers);
        Parallel.For(0, (int)((bytes + slice - 1) / slice), new ParallelOptions { MaxDegreeOfParallelism = readers }, i =>
        {
            long begin = i * slice;
            long length = Math.Min(slice, bytes - begin);
            var span = new Span<byte>(start + begin, checked((int)length));
            long position = offset + begin;
            while (span.Length > 0)
            {
                int read = RandomAccess.Read(file, span, position);
                if (read <= 0)
                    throw new EndOfStreamException($"unexpected end of file at byte {position}");
                span = span[read..];
                position += read;
            }
        });
    }

    private Tensor[] Buffers(ScalarType dtype)
    {
        if (!_buffers.TryGetValue(dtype, out var pair))
        {
            pair = [Pinned(dtype), Pinned(dtype)];
            _buffers[dtype] = pair;
        }
        return pair;
    }

    private static Tensor Pinned(ScalarType dtype)
    {
        using var pageable = empty([ChunkElements], dtype);
        return pageable.pin_memory().DetachFromDisposeScope();
    }


    public void Dispose()
    {
        Complete();
        foreach (var pair in _buffers.Values)
            foreach (var b in pair)
                b.Dispose();
        _buffers.Clear();
        foreach (var copied in _copied)
            copied?.Dispose();
    }
}
