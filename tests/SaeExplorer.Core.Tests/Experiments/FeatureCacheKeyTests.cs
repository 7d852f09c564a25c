using SaeExplorer.Core.Experiments;

namespace SaeExplorer.Core.Tests.Experiments;

public sealed class FeatureCacheKeyTests
{
    private static readonly int[] Tokens = [128_000, 9906, 1917];

    [Fact]
    public void The_key_is_a_fixed_sha256_that_every_input_changes()
    {
        string key = FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", 8, Tokens);

        // Pinned: computed independently with Python's hashlib over the documented layout. Stores written by earlier
        // builds are found again only while this holds.
        Assert.Equal("f76f8f3746d48e5470fe939f57d2a2cfa71251864357f88d7f032af6a4ea3238", key);
        var variants = new[]
        {
            FeatureCacheKey.Compute("m2", "s", 50, "float32", "llama3", 8, Tokens),
            FeatureCacheKey.Compute("m", "s2", 50, "float32", "llama3", 8, Tokens),
            FeatureCacheKey.Compute("m", "s", 51, "float32", "llama3", 8, Tokens),
            FeatureCacheKey.Compute("m", "s", 50, "bfloat16", "llama3", 8, Tokens),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3.1", 8, Tokens),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", 16, Tokens),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", 1, Tokens),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", null, Tokens),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", 8, [128_000, 9906, 1918]),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", 8, [128_000, 1917, 9906]),
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", 8, [128_000, 9906]),
            // Field boundaries matter: "ms" + "" is not "m" + "s".
            FeatureCacheKey.Compute("ms", "", 50, "float32", "llama3", 8, Tokens),
        };
        Assert.Equal(variants.Length + 1, variants.Append(key).Distinct().Count());
    }

    [Fact]
    public void Without_a_batch_size_the_key_is_the_v2_key_that_earlier_runs_were_stored_under()
    {
        // The value pinned before the batch size joined the key.
        Assert.Equal("0db55bed1098e2dcd981ad6c6ebf039234fdc32206b2afc9348b24e322b29d9e",
            FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", null, Tokens));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeatureCacheKey.Compute("m", "s", 50, "float32", "llama3", 0, Tokens));
    }
}
