using SaeExplorer.Core.Errors;
namespace SaeExplorer.Storage;

/// <summary>
/// A feature store cannot be opened or read. The message is one line that names the file and says what to do,
/// so the CLI can print it as is.
/// </summary>
public sealed class StoreException : Exception, IUserError
{
    public StoreException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StorePath = path;
    }

    /// <summary>The store file the error is about.</summary>
    public string StorePath { get; }
}
