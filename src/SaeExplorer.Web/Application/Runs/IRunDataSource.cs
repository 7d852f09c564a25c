namespace SaeExplorer.Web.Application.Runs;

/// <summary>Where handlers get a completed run's data (the <see cref="RunCatalog"/>; tests give runs made in memory).</summary>
public interface IRunDataSource
{
    Task<RunData> OpenAsync(string runId, CancellationToken cancellation);
}
