using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SaeExplorer.Demo;
using SaeExplorer.Tests;

namespace SaeExplorer.Cli.Tests;

/// <summary>
/// Days 4–5 end to end on the demo model, as a user runs them: <c>saex run --generate</c> (300 answers), <c>saex serve</c>
/// as the judge, <c>saex judge</c> killed with SIGKILL mid-way and resumed, a rerun that sends nothing, then
/// <c>saex triangle</c>; the API key is passed by environment and must appear in no file and no output.
/// </summary>
[Collection(Name)]
public sealed class JudgeEndToEndTests
{
    /// <summary>
    /// Runs alone, after the other classes: a server and a judge at 16 calls in flight take both cores of a CI box,
    /// and the time-bounded runs of the other CLI tests beside it missed their limits.
    /// </summary>
    public const string Name = "judge end to end (alone)";

    private const string KeyVariable = "SAEX_E2E_JUDGE_KEY";

    [Fact]
    public void RunServeJudgeKillResumeTriangle()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string secret = "sk-e2e-" + Guid.NewGuid().ToString("N");
        var env = new Dictionary<string, string> { [KeyVariable] = secret };
        var demo = DemoModel.EnsureCreated(Path.Combine(tmp.Path, "demo"));
        string store = Path.Combine(tmp.Path, "store.db"), output = Path.Combine(tmp.Path, "out");
        var outputs = new StringBuilder();

        var run = Run(env, outputs, "run", "--model", demo.ModelDirectory, "--sae", demo.SaePath, "--layer", demo.Layer.ToString(), "--store", store,
            "--out", output, "--generate", "--max-new-tokens", "16", "--batch-size", "64");
        Assert.True(run.ExitCode == 0, run.StdErr);
        string runId = Regex.Match(run.StdErr, @"run (\S+): computed").Groups[1].Value;
        Assert.NotEmpty(runId);

        int port = FreePort();
        using var server = Start(env, "serve", "--model", demo.ModelDirectory, "--sae", demo.SaePath, "--layer", demo.Layer.ToString(),
            "--port", port.ToString(), "--model-name", "saex-demo", "--api-key-env", KeyVariable);
        try
        {
            string? line;
            while ((line = server.StandardError.ReadLine()) is not null && !line.StartsWith("serving"))
                outputs.AppendLine(line);
            Assert.True(line is not null, "saex serve exited before serving:\n" + outputs);

            string[] judge = ["judge", "--store", store, "--run", runId, "--judge-url", $"http://127.0.0.1:{port}/v1", "--judge-model", "saex-demo",
                "--api-key-env", KeyVariable, "--protocol", "both", "--pairs", "baseline", "--out", output];
            // 300 pointwise + 5 pairs with the baseline condition × 50 topics × 2 orders.
            const int total = 300 + 500;

            // SIGKILL once a tenth of the calls are answered.
            using (var first = Start(env, judge))
            {
                while ((line = first.StandardError.ReadLine()) is not null)
                {
                    outputs.AppendLine(line);
                    if (line.StartsWith("judge [") && !line.Contains($" 0/{total}"))
                    {
                        first.Kill(entireProcessTree: true);
                        break;
                    }
                }
                first.WaitForExit();
                Assert.NotEqual(0, first.ExitCode);
            }

            var resumed = Run(env, outputs, judge);
            Assert.True(resumed.ExitCode == 0, resumed.StdErr);
            var counts = Regex.Match(resumed.StdErr, @"(\d+) calls sent, (\d+) from the store");
            Assert.True(counts.Success, resumed.StdErr);
            int sent = int.Parse(counts.Groups[1].Value), cached = int.Parse(counts.Groups[2].Value);
            Assert.InRange(cached, total / 10, total - 1);
            Assert.Equal(total, sent + cached);
            Assert.Contains("300 pointwise and 500 pairwise verdicts (0 unparseable or refused)", resumed.StdErr);

            var again = Run(env, outputs, judge);
            Assert.True(again.ExitCode == 0, again.StdErr);
            Assert.Contains($"0 calls sent, {total} from the store", again.StdErr);

            using var verdicts = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "judgements-saex-demo.json")));
            var pointwise = verdicts.RootElement.GetProperty("pointwise");
            Assert.Equal(300, pointwise.GetArrayLength());
            Assert.All(pointwise.EnumerateArray(), v => Assert.InRange(v.GetProperty("accuracy").GetInt32(), 1, 10));

            var triangle = Run(env, outputs, "triangle", "--store", store, "--run", runId, "--out", output, "--resamples", "200");
            Assert.True(triangle.ExitCode == 0, triangle.StdErr);
            using var quality = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "quality.json")));
            var report = quality.RootElement.GetProperty("triangle");
            Assert.Equal("standard", report.GetProperty("reference").GetString());
            Assert.Equal(300, report.GetProperty("answers").GetInt32());
            Assert.Equal(300, report.GetProperty("scored_answers").GetInt32());
            Assert.Equal(500, report.GetProperty("comparisons").GetInt32());
            Assert.Equal(250, report.GetProperty("judge_bias").GetProperty("position_consistency").GetProperty("out_of").GetInt32());
            Assert.Equal(5, report.GetProperty("win_rates").GetArrayLength());
            Assert.Equal(7, File.ReadAllLines(Path.Combine(output, "quality_conditions.csv")).Length);
            Assert.Equal(301, File.ReadAllLines(Path.Combine(output, "quality_answers.csv")).Length);
            foreach (var name in new[] { "quality_conditions.tex", "quality_correlations.csv", "triangle_matrix.png", "triangle_matrix.svg",
                         "quality_win_rates.png", "quality_bradley_terry.svg" })
                Assert.True(File.Exists(Path.Combine(output, name)), name);

            // Autointerp through the same server: the top 3 features of novice vs expert, explained and scored.
            string[] explain = ["explain", "--store", store, "--run", runId, "--model", demo.ModelDirectory, "--sae", demo.SaePath,
                "--top", "3", "--contrast", "novice:expert", "--explainer-url", $"http://127.0.0.1:{port}/v1", "--explainer-model", "saex-demo",
                "--api-key-env", KeyVariable, "--confirm-above", "5", "--out", output];
            var refused = Run(env, outputs, explain);
            Assert.Equal(2, refused.ExitCode);
            Assert.Matches(@"300 prompts and 300 answers as examples; 3 feature\(s\) to explain", refused.StdErr);
            Assert.Matches(@"(\d+) calls is more than --confirm-above 5: add --yes", refused.StdErr);
            int planned = int.Parse(Regex.Match(refused.StdErr, @"(\d+) calls to send \(0 already in the store\)").Groups[1].Value);
            // Per feature: 1 explainer call, then 20 held-out questions (10 activating, 5 random, 5 similar) per method in batches of 5.
            Assert.Equal(3 * (1 + 4 + 4), planned);

            var explained = Run(env, outputs, [.. explain, "--yes"]);
            Assert.True(explained.ExitCode == 0, explained.StdErr);
            Assert.Contains($"{planned} calls sent, 0 from the store", explained.StdErr);
            Assert.Matches(@"3 of 3 features explained, mean detection 0\.\d\d over 3, mean fuzzing 0\.\d\d over 3", explained.StdErr);
            using (var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "explanations.json"))))
            {
                var list = file.RootElement.EnumerateArray().ToList();
                Assert.Equal(3, list.Count);
                foreach (var e in list)
                {
                    Assert.Equal("saex-demo", e.GetProperty("explainer_model").GetString());
                    Assert.InRange(e.GetProperty("text").GetString()!.Length, 1, 200);
                    Assert.Equal(20, e.GetProperty("shown").GetArrayLength());
                    var scores = e.GetProperty("scores").EnumerateArray().ToList();
                    Assert.Equal(["detection", "fuzzing"], scores.Select(x => x.GetProperty("method").GetString()));
                    // The demo server's grammar holds every reply to exactly one 0/1 per example: nothing unanswered.
                    Assert.All(scores, x => Assert.Equal(0, x.GetProperty("result").GetProperty("unanswered").GetInt32()));
                    Assert.All(scores, x => Assert.Equal(20, x.GetProperty("examples").GetArrayLength()));
                }
            }
            Assert.Contains("\\caption{SAE features explained by saex-demo", File.ReadAllText(Path.Combine(output, "explanations.tex")));
            Assert.StartsWith("feature,label,explanation,outcome,detection", File.ReadAllText(Path.Combine(output, "explanations.csv")));

            var explainedAgain = Run(env, outputs, explain);
            Assert.True(explainedAgain.ExitCode == 0, explainedAgain.StdErr);
            Assert.Contains($"0 calls to send ({planned} already in the store)", explainedAgain.StdErr);
            Assert.Contains($"0 calls sent, {planned} from the store", explainedAgain.StdErr);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }

        foreach (var file in Directory.EnumerateFiles(tmp.Path, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Path.Combine(tmp.Path, "demo"))))
            Assert.False(File.ReadAllBytes(file).AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0, $"{file} holds the API key");
        Assert.DoesNotContain(secret, outputs.ToString());
    }

    private static Process Start(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var start = new ProcessStartInfo(Saex.ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            start.Environment[k] = v;
        return Process.Start(start)!;
    }

    private static Saex.Result Run(IReadOnlyDictionary<string, string> env, StringBuilder outputs, params string[] args)
    {
        using var process = Start(env, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"saex {string.Join(' ', args)} did not finish in 10 minutes");
        }
        outputs.AppendLine(stdout.Result).AppendLine(stderr.Result);
        return new Saex.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(JudgeEndToEndTests.Name, DisableParallelization = true)]
public sealed class JudgeEndToEndCollection;
