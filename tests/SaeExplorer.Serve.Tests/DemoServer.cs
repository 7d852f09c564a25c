using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SaeExplorer.Demo;
using SaeExplorer.Inference.Live;
using SaeExplorer.Tests;

namespace SaeExplorer.Serve.Tests;

/// <summary>The demo model served on a free loopback port, shared by the tests of a class.</summary>
public sealed class DemoServer : IAsyncLifetime
{
    private readonly TempDirectory _directory = FixturePaths.NewTempDirectory();
    private WebApplication? _app;

    public const string Token = "serve-test-token";

    public LiveModelService Service { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(5) };

    public async Task InitializeAsync()
    {
        var demo = DemoModel.EnsureCreated(Path.Combine(_directory.Path, "demo"));
        await Service.LoadAsync(ModelSpec.Resolve(demo.ModelDirectory, demo.SaePath, demo.Layer));
        _app = OpenAiServer.Build(new ServeOptions(Port: 0, ModelName: "saex-demo", BearerToken: Token), Service);
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/v1";
        Http.DefaultRequestHeaders.Authorization = new("Bearer", Token);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
        Service.Dispose();
        Http.Dispose();
        _directory.Dispose();
    }
}
