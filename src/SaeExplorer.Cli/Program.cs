using System.CommandLine;
using SaeExplorer.Cli.Commands;

namespace SaeExplorer.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("saex — SaeExplorer's command line: tokenize, capture residual-stream activations.")
        {
            TokenizeCommand.Create(),
            CaptureCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
