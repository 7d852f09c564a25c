using SaeExplorer.Core.Experiments;

namespace SaeExplorer.Core.Tests.Experiments;

public sealed class FeatureCacheKeyTests
{
    [Fact]
    public void The_key_is_a_fixed_sha256_that_every_input_changes()
    {
        int[] tokens = [128_000, 9906, 1917];
        string key = FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", tokens);

        // Pinned: computed independently with Python's hashlib over the documented layout. Stores written by earlier
        // builds are found again only while this holds.
        Assert.Equal("0db55bed1098e2dcd981ad6c6ebf039234fdc32206b2afc9348b24e322b29d9e", key);
        var variants = new[]
        {
            FeatureCacheKey.Compute("m2", "s", 50, "float32", "llama3", tokens),
            FeatureCacheKey.Compute("m", "s2", 50, "float32", "llama3", tokens),
            FeatureCacheKey.Compute("m", "s", 51, "float32", "llama3", tokens),
            FeatureCacheKey.Compute("m", "s", 50, "bfloat16", "llama3", tokens),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3.1", tokens),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", [128_000, 9906, 1918]),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", [128_000, 1917, 9906]),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", [128_000, 9906]),
            // Field boundaries matter: "ms" + "" is not "m" + "s".
            FeatureCacheKey.Compute("ms", "", 50, "float32", "llama3", tokens),
        };
        Assert.Equal(variants.Length + 1, variants.Append(key).Distinct().Count());
    }
}
