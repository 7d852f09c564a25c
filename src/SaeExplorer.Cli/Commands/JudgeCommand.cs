using System.CommandLine;
using System.Diagnostics;
using SaeExplorer.Judge;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex judge</c>: an LLM judges a run's answers blind (pointwise rubric, pairwise in both orders), every call
/// cached in the store so a rerun costs nothing and a killed judge resumes; the verdicts go to the store and to
/// <c>--out/judgements-{model}.json</c>.
/// </summary>
internal static class JudgeCommand
{
    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "LiteDB store holding the run and its answers", Required = true };
        var run = new Option<string>("--run") { Description = "the run whose answers to judge (saex run --generate prints its id)", Required = true };
        var protocol = new Option<string>("--protocol") { Description = "pointwise, pairwise or both", DefaultValueFactory = _ => "both" };
        var pairs = new Option<string>("--pairs") { Description = "pairwise: all (every pair of conditions within a topic) or baseline (each condition with the baseline condition)", DefaultValueFactory = _ => "all" };
        var url = new Option<string>("--judge-url") { Description = "OpenAI-compatible base URL (a local `saex serve`: http://127.0.0.1:8000/v1)", DefaultValueFactory = _ => JudgeEndpoint.DefaultUrl };
        var model = new Option<string>("--judge-model") { Description = "the endpoint's model id, recorded on every verdict", DefaultValueFactory = _ => JudgeEndpoint.DefaultModel };
        var keyEnv = new Option<string>("--api-key-env") { Description = "environment variable holding the API key (the key itself is never written anywhere)", DefaultValueFactory = _ => JudgeEndpoint.DefaultKeyVariable };
        var format = new Option<string>("--response-format") { Description = "auto (json_object for DeepSeek, json_schema otherwise), json_schema or json_object", DefaultValueFactory = _ => "auto" };
        var concurrency = new Option<int>("--concurrency") { Description = "calls in flight at once", DefaultValueFactory = _ => 16 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the order answers are shown in", DefaultValueFactory = _ => 0 };
        var priceIn = new Option<double?>("--usd-per-mtok-in") { Description = "price per million input tokens, for the cost line" };
        var priceOut = new Option<double?>("--usd-per-mtok-out") { Description = "price per million output tokens, for the cost line" };
        var output = new Option<string>("--out") { Description = "folder for judgements-{model}.json", DefaultValueFactory = _ => "saex-out" };
        var command = new Command("judge", "Judge a run's answers blind with an LLM (any OpenAI-compatible endpoint; DeepSeek by default).")
        {
            store, run, protocol, pairs, url, model, keyEnv, format, concurrency, seed, priceIn, priceOut, output,
        };
        command.SetAction((r, cancellation) => Task.FromResult(CliRunner.Run("judge", () =>
        {
            var endpoint = new JudgeEndpoint(r.GetValue(url)!, r.GetValue(model)!, r.GetValue(keyEnv)!, ParseFormat(r.GetValue(format)!),
                r.GetValue(concurrency), UsdPerMillionInput: r.GetValue(priceIn), UsdPerMillionOutput: r.GetValue(priceOut)).Validated();
            var protocolValue = r.GetValue(protocol)!.Trim().ToLowerInvariant() switch
            {
                "pointwise" => JudgeProtocol.Pointwise,
                "pairwise" => JudgeProtocol.Pairwise,
                "both" => JudgeProtocol.Both,
                var other => throw new SettingsException(SettingsField.Judge, $"--protocol '{other}' is not one of pointwise, pairwise, both."),
            };
            var pairScope = r.GetValue(pairs)!.Trim().ToLowerInvariant() switch
            {
                "all" => PairScope.All,
                "baseline" => PairScope.Baseline,
                var other => throw new SettingsException(SettingsField.Judge, $"--pairs '{other}' is not one of all, baseline."),
            };
            return Run(r.GetValue(store)!, r.GetValue(run)!, endpoint, protocolValue, pairScope, r.GetValue(seed), r.GetValue(output)!, cancellation);
        })));
        return command;
    }

    internal static JudgeResponseFormat? ParseFormat(string value) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => null,
        "json_schema" => JudgeResponseFormat.JsonSchema,
        "json_object" => JudgeResponseFormat.JsonObject,
        var other => throw new SettingsException(SettingsField.Judge, $"--response-format '{other}' is not one of auto, json_schema, json_object."),
    };

    private static int Run(string storePath, string runId, JudgeEndpoint endpoint, JudgeProtocol protocol, PairScope pairs, ulong seed, string outDir,
        CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var store = FeatureStore.Open(storePath);
        var (record, _, set) = new RunLifecycle(store).Reopen(runId);
        var arms = store.ListArms(record.RunId).Select(a => store.GetAnswerSet(record.RunId, a)!).ToList();
        var request = new JudgeRequest(record.RunId, arms, protocol, seed, pairs);
        int total = JudgeJob.Plan(set, request).Count;
        Console.Error.WriteLine($"run {record.RunId}: {arms.Sum(a => a.Answers.Count)} answers in {arms.Count} arm(s) ({string.Join(", ", arms.Select(a => a.Arm))}); " +
                                $"{total} judge calls to {endpoint.Model} at {endpoint.Describe()} ({endpoint.ResponseFormat switch { JudgeResponseFormat.JsonSchema => "json_schema", _ => "json_object" }}), {endpoint.Concurrency} at a time");
        using var judge = new JudgeClient(endpoint, store);
        var bar = new ConsoleProgress("judge", total, "calls");
        var progress = new SynchronousProgress<JudgeProgress>(p => bar.Report(p.Done, $"({p.Cached} cached)"));
        var judgements = JudgeJob.RunAsync(set, request, judge, progress, cancellation).GetAwaiter().GetResult();
        store.PutJudgements(judgements);
        var path = Path.Combine(outDir, $"judgements-{FileSafe(endpoint.Model)}.json");
        JudgementsFile.Write(path, judgements);

        var u = judgements.Usage;
        int failedPoint = judgements.Pointwise.Count(v => v.Outcome != "ok"), failedPair = judgements.Pairwise.Count(v => v.Outcome != "ok");
        Console.Error.WriteLine($"{judgements.Pointwise.Count} pointwise and {judgements.Pairwise.Count} pairwise verdicts " +
                                $"({failedPoint + failedPair} unparseable or refused); {u.Calls} calls sent, {u.Cached} from the store; " +
                                $"{u.InputTokens:N0} input and {u.OutputTokens:N0} output tokens{(u.CostUsd is { } c ? $", ${c:F4}" : "")}");
        Console.Error.WriteLine($"wrote {path} in {clock.Elapsed.TotalSeconds:F1}s");
        return 0;
    }

    internal static string FileSafe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
}
