using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using SaeExplorer.Demo;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Serve;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex serve</c>: the loaded model behind an OpenAI-compatible API, so a local model can be the judge (nothing
/// leaves the lab) and any OpenAI client can steer it.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Hugging Face model directory (config.json, safetensors, tokenizer)" };
        var sae = new Option<string?>("--sae") { Description = "the SAE the steering extension uses (Goodfire .pt, SAELens or sparsify folder)" };
        var layer = new Option<int?>("--layer") { Description = "decoder layer the SAE reads" };
        var demo = new Option<bool>("--demo") { Description = "serve the embedded demo model and SAE (created on first use, no download)" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var host = new Option<string>("--host") { Description = "address to listen on (loopback by default: nothing outside this machine can reach it)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "port to listen on", DefaultValueFactory = _ => 8000 };
        var name = new Option<string?>("--model-name") { Description = "the model id clients name (default: the model folder's name, saex-demo for --demo)" };
        var keyEnv = new Option<string?>("--api-key-env") { Description = "environment variable holding a bearer token every request must carry (default: no token)" };
        var maxBatch = new Option<int>("--max-batch") { Description = "concurrent requests decoded together", DefaultValueFactory = _ => 16 };
        var command = new Command("serve", "Serve the model over an OpenAI-compatible API (/v1/models, /v1/chat/completions with streaming, JSON schemas and steering).")
        {
            model, sae, layer, demo, device, dtype, host, port, name, keyEnv, maxBatch,
        };
        command.SetAction(r => CliRunner.Run("serve", () =>
        {
            string? token = null;
            if (r.GetValue(keyEnv) is { } variable)
            {
                token = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrEmpty(token))
                    throw new SettingsException(SettingsField.Judge, $"--api-key-env names ${variable}, which is not set: export the token in it, or leave --api-key-env out.");
            }
            if (r.GetValue(port) is < 1 or > 65535)
                throw new ArgumentException($"--port {r.GetValue(port)} is out of range 1–65535.");
            if (r.GetValue(maxBatch) is < 1 or > 256)
                throw new ArgumentException($"--max-batch {r.GetValue(maxBatch)} is out of range 1–256.");
            string modelDir, saePath, modelName;
            int layerValue;
            if (r.GetValue(demo))
            {
                if (r.GetValue(model) is not null || r.GetValue(sae) is not null)
                    throw new ArgumentException("--demo serves the embedded model: leave out --model and --sae.");
                var paths = DemoModel.EnsureCreated(DemoDirectory(), new Progress<string>(m => Console.Error.WriteLine(m)));
                (modelDir, saePath, layerValue, modelName) = (paths.ModelDirectory, paths.SaePath, paths.Layer, r.GetValue(name) ?? "saex-demo");
            }
            else
            {
                modelDir = r.GetValue(model) ?? throw new ArgumentException("give the model with --model <dir> (and --sae, --layer), or --demo.");
                saePath = r.GetValue(sae) ?? throw new ArgumentException("give the SAE with --sae: the steering extension needs it.");
                layerValue = r.GetValue(layer) ?? throw new ArgumentException("give the SAE's layer with --layer.");
                modelName = r.GetValue(name) ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDir)));
            }
            var spec = ModelSpec.Resolve(modelDir, saePath, layerValue, ComputeDevice.Parse(r.GetValue(device)!), ComputeDTypes.Parse(r.GetValue(dtype)!));
            return Serve(spec, new ServeOptions(r.GetValue(host)!, r.GetValue(port), token, modelName, r.GetValue(maxBatch)));
        }));
        return command;
    }

    private static int Serve(ModelSpec spec, ServeOptions options)
    {
        using var service = new LiveModelService();
        Console.Error.WriteLine($"loading {spec.Model.Directory} ({spec.Model.LayerCount} layers) and its SAE at layer {spec.Layer}");
        var info = service.LoadAsync(spec, new Progress<string>(m => Console.Error.WriteLine(m))).GetAwaiter().GetResult();
        if (options.BearerToken is null && !(IPAddress.TryParse(options.Host, out var ip) ? IPAddress.IsLoopback(ip) : options.Host == "localhost"))
            Console.Error.WriteLine($"warning: listening on {options.Host} without a token: anyone who reaches this port can use the model (give a token with --api-key-env).");
        var app = OpenAiServer.Build(options, service, logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        Console.Error.WriteLine($"serving '{options.ModelName}' ({info.DModel}-wide, {info.LayerCount} layers, context {info.MaxTokens}) at http://{options.Host}:{options.Port}/v1 — Ctrl-C stops");
        app.Run();
        return 0;
    }

    /// <summary>The dashboard's demo folder ($XDG_DATA_HOME/saex/demo or ~/.local/share/saex/demo), so both share one copy.</summary>
    private static string DemoDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : xdg, "saex", "demo");
    }
}
