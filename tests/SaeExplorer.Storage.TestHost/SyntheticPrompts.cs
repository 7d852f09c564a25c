using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Storage.Testing;

/// <summary>
/// Deterministic SAE-like prompts: the same number always gives the same prompt, so a test can check what another
/// process stored. Active sets are uniform random (the worst case for gap coding); values are log-normal around 1
/// (ReLU SAE activations are positive and heavy-tailed).
/// </summary>
internal static class SyntheticPrompts
{
    public const string Model = "sha256:model-under-test";
    public const string Sae = "sha256:sae-under-test";
    public const int Layer = 50;
    public const string ChatFormat = "llama3.3";
    public const string DType = "bfloat16";

    public static CachedPrompt Prompt(int number, int tokens = 80, int activePerToken = 120, int featureCount = 65_536)
    {
        var rng = new Random(1_000_003 * number + 17);
        var tokenIds = new int[tokens];
        for (int t = 0; t < tokens; t++)
            tokenIds[t] = t == 0 ? 128_000 : rng.Next(128_000);
        var matrix = RandomMatrix(rng, tokens, activePerToken, featureCount);
        var userPositions = Enumerable.Range(tokens / 4, tokens / 2).ToArray();
        // Four pooled [16] vectors (last, mean, max, user), mixing values half precision keeps and one that needs float32 on odd prompts.
        var pooled = Enumerable.Range(0, 4).Select(k => Enumerable.Range(0, 16).Select(d => (float)(rng.NextDouble() * 20 - 10)).ToArray()).ToArray();
        if (number % 2 == 1)
            pooled[3][0] = 1e6f;
        return new CachedPrompt(tokenIds, matrix, userPositions, pooled);
    }

    public static string Key(int number) => Key(Prompt(number));

    /// <summary>What the crash-test writer stores: every fourth prompt is 1,000 tokens long (~450 KB, ~55 LiteDB
    /// pages), so that kills often land inside a transaction rather than between two.</summary>
    public static CachedPrompt WriterPrompt(int number) => Prompt(number, tokens: number % 4 == 3 ? 1000 : 80);

    public static string WriterKey(int number) => Key(WriterPrompt(number));

    public static string Key(CachedPrompt prompt) => FeatureCacheKey.Compute(Model, Sae, Layer, DType, ChatFormat, 8, prompt.TokenIds);

    public static SparseFeatureMatrix RandomMatrix(Random rng, int tokens, int activePerToken, int featureCount)
    {
        var rowStarts = new int[tokens + 1];
        var indices = new int[tokens * activePerToken];
        var values = new float[tokens * activePerToken];
        var chosen = new HashSet<int>();
        for (int t = 0; t < tokens; t++)
        {
            chosen.Clear();
            while (chosen.Count < activePerToken)
                chosen.Add(rng.Next(featureCount));
            int start = t * activePerToken;
            chosen.CopyTo(indices, start);
            Array.Sort(indices, start, activePerToken);
            for (int k = 0; k < activePerToken; k++)
                values[start + k] = (float)Math.Exp(Gaussian(rng));
            rowStarts[t + 1] = start + activePerToken;
        }
        return new SparseFeatureMatrix(tokens, featureCount, rowStarts, indices, values);
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
