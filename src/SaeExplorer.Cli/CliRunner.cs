using SaeExplorer.Core.Errors;

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
        catch (Exception e) when (UserErrors.Is(e))
        {
            Console.Error.WriteLine($"saex {command}: error: {(e is IOException io && UserErrors.IsDiskFull(io) ? "disk full: " : "")}{OneLine(e.Message)}");
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

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
