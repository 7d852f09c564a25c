using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Loading;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Cli;

/// <summary>
/// Runs a command body and turns the failures a user can fix (bad input, missing or corrupt files) into one line
/// on stderr and exit code 2; anything else is a bug and keeps its stack trace (exit 70).
/// </summary>
internal static class CliRunner
{
    public const int BadInput = 2;
    public const int InternalError = 70;

    public static int Run(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"saex {command}: error: {(e is IOException { HResult: ENOSPC } ? "disk full: " : "")}{OneLine(e.Message)}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"saex {command}: cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"saex {command}: internal error: {e}");
            return InternalError;
        }
    }

    /// <summary>errno of "no space left on device": .NET's IOException carries the errno as its HResult on Linux.</summary>
    private const int ENOSPC = 28;

    /// <summary>
    /// Failures a user can act on. I/O errors are among them (a full disk, a path where a folder is needed, a read-only
    /// folder): the message names the path, and a stack trace would hide it.
    /// </summary>
    private static bool IsUserError(Exception e) =>
        e is SettingsException or CheckpointException or PromptFileException or InvalidPromptException or ArgumentException
            or SaeExplorer.Storage.StoreException or SaeExplorer.Core.Experiments.PromptSetException
            or IOException or UnauthorizedAccessException
            or System.Text.Json.JsonException or InvalidDataException or SaeExplorer.Judge.JudgeUnavailableException;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
