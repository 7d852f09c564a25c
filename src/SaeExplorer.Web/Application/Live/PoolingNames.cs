using SaeExplorer.Core.Features;

namespace SaeExplorer.Web.Application.Live;

/// <summary>How the dashboard names the pooling methods, in the order its pickers offer them.</summary>
public static class PoolingNames
{
    public static readonly (PoolingMethod Value, string Name)[] All =
        [(PoolingMethod.Max, "max over tokens"), (PoolingMethod.User, "max over your message"), (PoolingMethod.Mean, "mean over tokens"), (PoolingMethod.Last, "last token")];

    public static string Of(PoolingMethod pooling) => All.First(c => c.Value == pooling).Name;
}
