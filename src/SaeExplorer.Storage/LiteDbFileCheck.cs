using System.Buffers.Binary;
using System.Text;

namespace SaeExplorer.Storage;

/// <summary>
/// Looks at an existing file before LiteDB opens it. LiteDB's own errors for a foreign file are vague, and when its
/// open fails in certain ways it writes an "invalid state" byte into the file's first page — which must never happen
/// to a file that is not ours. So: 8 KiB pages, page 0 carries LiteDB's header text at byte 32 and file-format
/// version 8 at byte 59, and — unless a <c>-log</c> file is waiting to be replayed — the file must be whole pages
/// and reach the header's last page id (uint32 at byte 64): only a checkpoint writes the data file, page by page,
/// and it never shrinks it, so a shorter file was cut. With a log present, a checkpoint that a kill interrupted may
/// have left the header ahead of the pages or a half-written last page; LiteDB's replay of the log rewrites them.
/// </summary>
internal static class LiteDbFileCheck
{
    private const int PageSize = 8192;
    private const string HeaderText = "** This is a LiteDB file **";
    private const int HeaderTextOffset = 32;
    private const int FileVersionOffset = 59;
    private const byte FileVersion = 8;
    private const int LastPageIdOffset = 64;

    public static void ThrowIfNotLiteDb(string path, string logPath)
    {
        long length = new FileInfo(path).Length;
        if (length == 0)
            return;
        var page = new byte[PageSize];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            read = stream.ReadAtLeast(page, PageSize, throwOnEndOfStream: false);

        bool hasHeader = read >= LastPageIdOffset + 4
            && Encoding.ASCII.GetString(page, HeaderTextOffset, HeaderText.Length) == HeaderText;
        if (!hasHeader)
            throw new StoreException(path,
                $"{path} is not a saex feature store (not a LiteDB database: {length} bytes without LiteDB's header); give a new store file, or delete this file if it is a broken store");
        if (page[FileVersionOffset] != FileVersion)
            throw new StoreException(path,
                $"{path} is a LiteDB file of format version {page[FileVersionOffset]}, not LiteDB 5's {FileVersion}; it is not a saex feature store: pass a new file path as the store");

        long lastPageId = BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(LastPageIdOffset));
        long expected = (lastPageId + 1) * PageSize;
        bool logPending = File.Exists(logPath) && new FileInfo(logPath).Length > 0;
        if (!logPending && (length % PageSize != 0 || length < expected))
            throw new StoreException(path,
                $"{path} is truncated or corrupted ({length} bytes, expected at least {expected} in whole {PageSize}-byte pages); restore it from a backup or delete it so the features are computed again");
    }
}
