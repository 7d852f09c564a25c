using SaeExplorer.Tests;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Tests.Infrastructure;

/// <summary>Allowed roots judged on real paths (the hardening issue, item 2).</summary>
public sealed class PathPolicyTests
{
    [Fact]
    public void A_symlink_inside_a_root_that_leads_outside_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var root = Directory.CreateDirectory(Path.Combine(tmp.Path, "root")).FullName;
        var outside = Directory.CreateDirectory(Path.Combine(tmp.Path, "outside")).FullName;
        var link = Path.Combine(root, "innocent-model");
        Directory.CreateSymbolicLink(link, outside);
        var policy = new PathPolicy([root]);
        var e = Assert.Throws<UnauthorizedAccessException>(() => policy.Resolve(link, "model folder"));
        Assert.StartsWith($"{outside} is outside the folders this dashboard may read ({root})", e.Message);
        Assert.Throws<UnauthorizedAccessException>(() => policy.Resolve(Path.Combine(link, "config.json"), "model folder"));
    }

    [Fact]
    public void A_symlink_that_stays_inside_and_a_root_reached_through_a_symlink_are_allowed()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var root = Directory.CreateDirectory(Path.Combine(tmp.Path, "root")).FullName;
        var model = Directory.CreateDirectory(Path.Combine(root, "models", "tiny")).FullName;
        var inside = Path.Combine(root, "latest");
        Directory.CreateSymbolicLink(inside, model);
        var rootLink = Path.Combine(tmp.Path, "root-link");
        Directory.CreateSymbolicLink(rootLink, root);
        var policy = new PathPolicy([rootLink]);
        Assert.Equal(model, policy.Resolve(inside, "model folder"));
        Assert.Equal(model, policy.Resolve(Path.Combine(rootLink, "models", "tiny"), "model folder"));
    }

    [Theory]
    [InlineData("/data/model\0/etc")]
    [InlineData("/data/mo\ndel")]
    public void A_path_with_a_control_character_is_a_plain_error(string path)
    {
        var e = Assert.Throws<ArgumentException>(() => new PathPolicy(["/data"]).Resolve(path, "SAE"));
        Assert.Equal("the SAE path contains a control character (such as NUL or a line break); type or paste the path again.", e.Message);
    }
}
