using System.Text;

namespace SaeExplorer.Storage;

/// <summary>
/// Keeps a store to one opener at a time, across processes and within one.
/// <para>
/// LiteDB 5's direct mode does not do this on Linux: it opens the data file with <c>FileShare.Read</c>, which .NET
/// turns into a shared <c>flock</c>, so a second process opens and writes the same file without complaint (observed
/// with 5.0.21). Here a <c>&lt;store&gt;.lock</c> file is opened with <c>FileShare.None</c>, which .NET turns into
/// <c>flock(LOCK_EX | LOCK_NB)</c>: the kernel drops that lock when the holder exits or is killed, so a crashed run
/// never blocks the next one, and because flock belongs to the open file description, a second open in the same
/// process is refused too. (<c>FileStream.Lock</c> is no good: it uses POSIX record locks, which any other handle
/// of the same file closing in the process silently releases.)
/// </para>
/// <para>
/// Two locks are taken: <c>&lt;store&gt;.lock</c> beside the (real) store file, and, once the file exists, one named by
/// its identity (device and inode) in a per-user folder under the temp directory — so a hard link, which is the same
/// file under another name, cannot be opened for writing beside it either.
/// </para>
/// <para>
/// The lock file is never deleted: deleting it on close would let a waiting opener lock the unlinked file while a
/// third one creates and locks a new one.
/// </para>
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _stream;
    private FileStream? _identity;

    private StoreLock(FileStream stream) => _stream = stream;

    public static StoreLock Acquire(string storePath)
    {
        var byName = AcquireByName(storePath);
        try
        {
            byName.AcquireByIdentity(storePath);
            return byName;
        }
        catch
        {
            byName.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Locks the store file's identity, once it exists (a new store has no other name yet); called again after the
    /// file is created. Idempotent.
    /// </summary>
    public void AcquireByIdentity(string storePath)
    {
        if (_identity is not null || Core.Fingerprints.FileIdentity.Of(storePath) is not { } id)
            return;
        var folder = Path.Combine(Path.GetTempPath(), $"saex-store-locks-{Environment.UserName}");
        var lockPath = Path.Combine(folder, $"{id.Device:x}-{id.Inode:x}.lock");
        try
        {
            Directory.CreateDirectory(folder);
            _identity = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (File.Exists(lockPath))
        {
            string who = FindFlockHolder(lockPath) is int pid ? $" (pid {pid})" : "";
            throw new StoreException(storePath, $"{storePath} is in use by another saex process{who} under another name (a hard link to the same file); wait for it or use another store file", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(storePath, $"cannot create the lock file {lockPath}: {ex.Message}; check that the temp folder is writable", ex);
        }
    }

    private static StoreLock AcquireByName(string storePath)
    {
        if (FileLockingDisabled())
            throw new StoreException(storePath,
                $"cannot lock {storePath}: .NET file locking is disabled (DOTNET_SYSTEM_IO_DISABLEFILELOCKING); unset it so two saex runs cannot write one store at once");

        string lockPath = storePath + ".lock";
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (File.Exists(lockPath))
        {
            int? holder = FindFlockHolder(lockPath);
            if (holder == Environment.ProcessId)
                throw new StoreException(storePath, $"{storePath} is already open in this process; dispose the other FeatureStore first", ex);
            string who = holder is int pid ? $" (pid {pid})" : "";
            throw new StoreException(storePath, $"{storePath} is in use by another saex process{who}; wait for it or use another store file", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(storePath, $"cannot create the lock file {lockPath}: {ex.Message}; check that its folder is writable", ex);
        }

        // The pid is for people (`cat store.db.lock`); the lock itself is the flock, not this content.
        stream.SetLength(0);
        stream.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        stream.Flush();
        return new StoreLock(stream);
    }

    public void Dispose()
    {
        _identity?.Dispose();
        _stream.Dispose();
    }

    private static bool FileLockingDisabled()
    {
        if (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out bool disabled) && disabled)
            return true;
        string? env = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING");
        return env is not null && (env == "1" || env.Equals("true", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Best effort: the holder's own pid line cannot be read (any .NET open of the file asks for a shared flock and is
    /// refused), so look the holder up in the kernel's lock table and confirm it through its open files.
    /// </summary>
    private static int? FindFlockHolder(string lockPath)
    {
        try
        {
            if (!File.Exists("/proc/locks"))
                return null;
            string fullPath = Path.GetFullPath(lockPath);
            foreach (string line in File.ReadLines("/proc/locks"))
            {
                // "1: FLOCK  ADVISORY  WRITE 14117 08:01:1234567 0 EOF"; waiting requests have "->" after the number.
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 5 || fields[1] != "FLOCK" || fields[3] != "WRITE" || !int.TryParse(fields[4], out int pid))
                    continue;
                if (HoldsOpen(pid, fullPath))
                    return pid;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return null;
    }

    private static bool HoldsOpen(int pid, string fullPath)
    {
        try
        {
            foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                if (new FileInfo(fd).LinkTarget == fullPath)
                    return true;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return false;
    }
}
