using System.Text.Json;

namespace SaeExplorer.Core.Errors;

/// <summary>
/// Marks an exception whose message is one line a user can act on (a setting that does not fit, a file that cannot be
/// used, a run that cannot be opened); the CLI prints it as is and exits 2, the dashboard shows it on the page.
/// </summary>
public interface IUserError
{
}

/// <summary>
/// What was asked cannot be done in the present state, for a reason the user can act on: no model is loaded yet, a
/// run is not completed or was made with another model, the model and SAE give non-finite numbers.
/// </summary>
public sealed class RefusedException(string message) : InvalidOperationException(message), IUserError;

/// <summary>The one rule, shared by the CLI and the dashboard, for which failures are the user's to fix.</summary>
public static class UserErrors
{
    /// <summary>
    /// The marked exceptions, and the framework's for bad arguments, malformed JSON or data, and I/O (a full disk, a path
    /// where a folder is needed, a read-only folder: their messages name the path). Anything else is a bug.
    /// </summary>
    public static bool Is(Exception e) =>
        e is IUserError or ArgumentException or IOException or UnauthorizedAccessException or InvalidDataException or JsonException;

    /// <summary>Whether an I/O failure is "no space left on device" (ENOSPC): .NET's IOException carries the errno as its HResult on Linux.</summary>
    public static bool IsDiskFull(IOException e) => e.HResult == 28;
}
