using Microsoft.AspNetCore.Components;
using SaeExplorer.Web.Application.Models;

namespace SaeExplorer.Web.Components.Shared;

/// <summary>Base for components that show the model's status: subscribes to <see cref="ModelHost.Changed"/> and re-renders.</summary>
public abstract class ModelStatusView : ComponentBase, IDisposable
{
    [Inject] protected ModelHost Host { get; set; } = null!;

    protected ModelStatus Status => Host.Status;

    protected override void OnInitialized() => Host.Changed += OnChanged;

    private void OnChanged(ModelStatus status) => _ = InvokeAsync(StateHasChanged);

    public virtual void Dispose()
    {
        Host.Changed -= OnChanged;
        GC.SuppressFinalize(this);
    }
}
