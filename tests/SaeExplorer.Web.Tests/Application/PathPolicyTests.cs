using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Tests.Application;

public sealed class PathPolicyTests
{
    [Fact]
    public void Paths_under_a_root_resolve_and_others_are_refused_with_the_roots_named()
    {
        var policy = new PathPolicy(["/data/models/", "/home/me/saes"]);
        Assert.Equal("/data/models/llama/config.json", policy.Resolve("/data/models/llama/config.json", "model"));
        Assert.Equal("/data/models", policy.Resolve("/data/models", "model"));
        Assert.Equal("/home/me/saes/l50.pt", policy.Resolve("/home/me/saes/../saes/l50.pt", "SAE"));

        var outside = Assert.Throws<UnauthorizedAccessException>(() => policy.Resolve("/etc/passwd", "model"));
        Assert.Contains("/etc/passwd is outside", outside.Message);
        Assert.Contains("/data/models, /home/me/saes", outside.Message);
        // A sibling whose name merely starts with a root's name is outside, and so is climbing out with "..".
        Assert.Throws<UnauthorizedAccessException>(() => policy.Resolve("/data/models-private/x", "model"));
        Assert.Throws<UnauthorizedAccessException>(() => policy.Resolve("/data/models/../secrets", "model"));
        Assert.Throws<ArgumentException>(() => policy.Resolve("  ", "SAE"));
    }
}
