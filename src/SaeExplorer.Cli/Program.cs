using System.CommandLine;
using SaeExplorer.Cli.Commands;

namespace SaeExplorer.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("saex — SaeExplorer's command line: tokenize, capture residual-stream activations, encode them with an SAE, run experiments.")
        {
            TokenizeCommand.Create(),
            CaptureCommand.Create(),
            EncodeCommand.Create(),
            RunCommand.Create(),
            GenerateCommand.Create(),
            JudgeCommand.Create(),
            ExplainCommand.Create(),
            ServeCommand.Create(),
            TriangleCommand.Create(),
        };
        foreach (var command in AnalysisCommands.Create())
            root.Subcommands.Add(command);
        return root.Parse(args).Invoke();
    }
}
