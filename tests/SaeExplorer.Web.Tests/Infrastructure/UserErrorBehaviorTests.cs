using Mediator;
using Microsoft.Extensions.Logging.Abstractions;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Tests.Infrastructure;

public sealed class UserErrorBehaviorTests
{
    private sealed record Ping : IRequest<int>;

    private static ValueTask<int> Send(Exception thrown) =>
        new UserErrorBehavior<Ping, int>(NullLogger<UserErrorBehavior<Ping, int>>.Instance)
            .Handle(new Ping(), (_, _) => throw thrown, CancellationToken.None);

    [Fact]
    public async Task A_failure_the_user_can_fix_becomes_one_user_error_with_its_field()
    {
        var settings = await Assert.ThrowsAsync<UserError>(() => Send(new SettingsException(SettingsField.Layer, "layer 9 does not exist")).AsTask());
        Assert.Equal("layer 9 does not exist", settings.Message);
        Assert.Equal(SettingsField.Layer, settings.Field);

        var store = await Assert.ThrowsAsync<UserError>(() => Send(new StoreException("/tmp/s.db", "/tmp/s.db is in use by another saex process\n(pid 7)")).AsTask());
        Assert.Equal("/tmp/s.db is in use by another saex process (pid 7)", store.Message);
        Assert.Null(store.Field);
        Assert.IsType<StoreException>(store.InnerException);
    }

    [Fact]
    public async Task A_bug_propagates_unchanged()
    {
        await Assert.ThrowsAsync<NullReferenceException>(() => Send(new NullReferenceException()).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Send(new ObjectDisposedException("worker")).AsTask());
        await Assert.ThrowsAsync<OperationCanceledException>(() => Send(new OperationCanceledException()).AsTask());
    }
}

public sealed class UserErrorBehaviorRegistrationTests
{
    [Fact]
    public void The_dashboards_mediator_runs_every_request_through_the_behaviour()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.LoggingServiceCollectionExtensions.AddLogging(services);
        // The lifetime the dashboard registers with; the generated registrations are the dashboard's own.
        Microsoft.Extensions.DependencyInjection.MediatorDependencyInjectionExtensions.AddMediator(services,
            o => o.ServiceLifetime = Microsoft.Extensions.DependencyInjection.ServiceLifetime.Scoped);
        var behaviours = services.Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IPipelineBehavior<,>))
            .ToDictionary(d => d.ServiceType.GetGenericArguments()[0], d => d.ImplementationType!.GetGenericTypeDefinition());
        var requests = typeof(UserError).Assembly.GetTypes().Where(t => !t.IsAbstract && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequest<>))).ToList();
        Assert.True(requests.Count >= 10, $"found only {requests.Count} request types");
        Assert.All(requests, r => Assert.Equal(typeof(UserErrorBehavior<,>), behaviours.GetValueOrDefault(r)));
    }
}
