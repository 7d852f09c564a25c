using SaeExplorer.Bench.Gpu;

return BenchCommands.Create().Parse(args).Invoke();
