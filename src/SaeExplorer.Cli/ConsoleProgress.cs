using System.Diagnostics;

namespace SaeExplorer.Cli;

/// <summary>
/// A progress bar on stderr (stdout stays clean for data). On a terminal it redraws one line; when stderr is a
/// file or pipe it prints a line at every tenth of the work so logs stay readable.
/// </summary>
internal sealed class ConsoleProgress(string label, int total, string unit)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private int _lastDecile = -1;

    public void Report(int done, string? detail = null)
    {
        double fraction = total == 0 ? 1 : (double)done / total;
        double elapsed = _clock.Elapsed.TotalSeconds;
        string eta = done > 0 && done < total ? $" ETA {elapsed / done * (total - done):F0}s" : "";
        string line = $"{label} [{new string('#', (int)(fraction * 30)).PadRight(30, '.')}] {done}/{total} {unit} {elapsed:F1}s{eta}{(detail is null ? "" : " " + detail)}";
        if (_interactive)
        {
            Console.Error.Write("\r" + line.PadRight(Math.Max(line.Length, 100)));
            if (done >= total)
                Console.Error.WriteLine();
        }
        else
        {
            int decile = (int)(fraction * 10);
            if (decile != _lastDecile || done >= total)
            {
                _lastDecile = decile;
                Console.Error.WriteLine(line);
            }
        }
    }
}
