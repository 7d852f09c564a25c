namespace SaeExplorer.Inference.Cuda;

/// <summary>
/// A point in the device's default stream that the host can wait for without waiting for everything enqueued after
/// it (torch.cuda.Event, which TorchSharp does not bind).
/// </summary>
internal sealed class CudaEvent : IDisposable
{
    private readonly CudaDriver _driver;
    private readonly IntPtr _context;
    private IntPtr _event;

    private CudaEvent(CudaDriver driver, IntPtr context)
    {
        _driver = driver;
        _context = context;
        using (driver.Enter(context))
            _event = driver.CreateEvent();
    }

    /// <summary>An event on GPU <paramref name="ordinal"/>, or null where the driver API cannot be loaded.</summary>
    public static CudaEvent? TryCreate(int ordinal)
    {
        var driver = CudaDriver.TryGet(out _);
        return driver is null ? null : new CudaEvent(driver, driver.PrimaryContext(ordinal));
    }

    /// <summary>Marks everything enqueued on the default stream so far.</summary>
    public void Record()
    {
        using (_driver.Enter(_context))
            _driver.RecordEvent(_event);
    }

    /// <summary>Waits until the work before the last <see cref="Record"/> is done.</summary>
    public void Wait()
    {
        using (_driver.Enter(_context))
            _driver.WaitEvent(_event);
    }

    public void Dispose()
    {
        if (_event == IntPtr.Zero)
            return;
        using (_driver.Enter(_context))
            _driver.DestroyEvent(_event);
        _event = IntPtr.Zero;
    }
}
