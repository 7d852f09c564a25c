using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using SaeExplorer.Inference.Live;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Answers;
using SaeExplorer.Web.Application.Exports;
using SaeExplorer.Web.Application.Features;
using SaeExplorer.Web.Application.Models;
using SaeExplorer.Web.Application.Runs;
using SaeExplorer.Web.Application.Umap;
using SaeExplorer.Web.Components;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web;

public static class Extensions
{
    /// <summary>The address used when none is configured: loopback only, so the dashboard is private by default.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5180";

    public static WebApplicationBuilder AddSaeExplorer(this WebApplicationBuilder builder)
    {
        // Safe by default: listen on loopback unless --urls / ASPNETCORE_URLS / Kestrel endpoints say otherwise.
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(DefaultUrl);
        // MudBlazor's and Plotly.Blazor's files are static web assets of their packages; this serves them from the build
        // output as well as from a publish folder.
        builder.WebHost.UseStaticWebAssets();

        // Settings and the files the app may open.
        builder.Services.AddOptions<SaeExplorerOptions>().Bind(builder.Configuration.GetSection(SaeExplorerOptions.Section));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SaeExplorerOptions>>().Value;
            return new PathPolicy([options.ResolveDataDirectory(), Directory.GetCurrentDirectory(), .. options.AllowedRoots]);
        });

        // The model service: one worker thread owns every tensor; one model + SAE per process.
        builder.Services.AddSingleton<InferenceWorker>();
        builder.Services.AddSingleton(sp => new LiveModelService(sp.GetRequiredService<InferenceWorker>()));
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());

        // The feature store (features, runs, labels), held open for the app's lifetime.
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SaeExplorerOptions>>().Value;
            return FeatureStore.Open(Path.Combine(options.ResolveDataDirectory(), "saex.db"));
        });
        builder.Services.AddSingleton<RunCatalog>();
        // Pooled and tokenized views of runs and analysis results, shared by every circuit's Compare and Feature pages.
        builder.Services.AddSingleton<RunViewCache>();
        builder.Services.AddSingleton<IRunDataSource>(sp => sp.GetRequiredService<RunCatalog>());
        // UMAP maps per (run, pooling), kept for the app's lifetime so revisiting the page is instant.
        builder.Services.AddSingleton<UmapCache>();
        builder.Services.AddSingleton<ExportService>();

        // The LLM judge: its settings (Settings changes them for the app's lifetime) and the judgings of runs, which go on
        // after the page that started them is gone.
        builder.Services.AddSingleton<JudgeSettingsHolder>();
        builder.Services.AddSingleton<JudgeJobs>();

        // Requests from components go through the mediator; handlers are registered by its source generator, and every
        // request's user-fixable failure becomes one UserError for the page to show.
        builder.Services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.PipelineBehaviors = [typeof(UserErrorBehavior<,>)];
        });

        // UI.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = CircuitLimits.MaxMessageBytes);
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CircuitLogger>();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<BrowserInterop>();
        builder.Services.AddScoped<RunSelection>();
        builder.Services.AddScoped<AddressState>();
        return builder;
    }

    public static WebApplication UseSaeExplorer(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseAntiforgery();
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(AssetsDirectory()),
            RequestPath = "/assets",
        });
        app.MapStaticAssets();
        // For scripts and tests: is the model loaded? (No paths or fingerprints: the status line only.)
        // Ready means every page can work: the model host's state, and the store opened (a second dashboard on a data
        // folder in use cannot open it, and says so with the holder's pid instead of reporting ready).
        app.MapGet("/healthz", (ModelHost host, IServiceProvider services) =>
        {
            try
            {
                services.GetRequiredService<FeatureStore>();
            }
            catch (StoreException e)
            {
                return Results.Json(new { state = "store-unavailable", message = e.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            return Results.Json(new { state = host.Status.State.ToString().ToLowerInvariant(), message = host.Status.Message });
        });
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>The repository's top-level wwwroot-assets/, copied next to the app by the build.</summary>
    private static string AssetsDirectory()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "wwwroot-assets");
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"{path} is missing: the build copies the repository's wwwroot-assets/ there; rebuild SaeExplorer.Web.");
        return path;
    }
}
