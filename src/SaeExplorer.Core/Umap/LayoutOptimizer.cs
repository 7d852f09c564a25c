namespace SaeExplorer.Core.Umap;

/// <summary>
/// umap-learn's <c>optimize_layout_euclidean</c> (single-threaded, so bit-reproducible): each edge is sampled every
/// epochs_per_sample epochs and pulls its ends together with the attractive gradient of 1/(1 + a·d^(2b)); each sample
/// also draws negative_sample_rate random points that are pushed away. Gradients are clipped to ±4 and the learning
/// rate decays linearly to 0.
/// </summary>
internal static class LayoutOptimizer
{
    private const float GradientClip = 4f;

    public static void Optimize(float[] embedding, int dim, SparseGraph graph, int epochs, float a, float b,
        float gamma, float initialAlpha, int negativeSampleRate, UmapRandom random)
    {
        int n = graph.Count;
        int edges = graph.EdgeCount;
        var head = new int[edges];
        var tail = graph.Columns;
        for (int i = 0; i < n; i++)
            for (int e = graph.RowStarts[i]; e < graph.RowStarts[i + 1]; e++)
                head[e] = i;

        var epochsPerSample = EpochsPerSample(graph.Weights, epochs);
        var epochsPerNegativeSample = new double[edges];
        var nextSample = new double[edges];
        var nextNegativeSample = new double[edges];
        for (int e = 0; e < edges; e++)
        {
            epochsPerNegativeSample[e] = epochsPerSample[e] / negativeSampleRate;
            nextSample[e] = epochsPerSample[e];
            nextNegativeSample[e] = epochsPerNegativeSample[e];
        }

        var delta = new float[dim];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            float alpha = initialAlpha * (1f - epoch / (float)epochs);
            for (int e = 0; e < edges; e++)
            {
                if (nextSample[e] > epoch)
                    continue;
                int j = head[e] * dim, k = tail[e] * dim;
                float distSquared = 0;
                for (int d = 0; d < dim; d++)
                {
                    delta[d] = embedding[j + d] - embedding[k + d];
                    distSquared += delta[d] * delta[d];
                }
                if (distSquared > 0)
                {
                    float powBMinus1 = MathF.Pow(distSquared, b - 1f);
                    float coefficient = -2f * a * b * powBMinus1 / (a * powBMinus1 * distSquared + 1f);
                    for (int d = 0; d < dim; d++)
                    {
                        float g = Math.Clamp(coefficient * delta[d], -GradientClip, GradientClip) * alpha;
                        embedding[j + d] += g;
                        embedding[k + d] -= g;
                    }
                }
                nextSample[e] += epochsPerSample[e];

                int negatives = (int)((epoch - nextNegativeSample[e]) / epochsPerNegativeSample[e]);
                for (int p = 0; p < negatives; p++)
                {
                    int other = random.NextInt(n);
                    int o = other * dim;
                    distSquared = 0;
                    for (int d = 0; d < dim; d++)
                    {
                        delta[d] = embedding[j + d] - embedding[o + d];
                        distSquared += delta[d] * delta[d];
                    }
                    if (distSquared <= 0)
                        continue;
                    float coefficient = 2f * gamma * b / ((0.001f + distSquared) * (a * MathF.Pow(distSquared, b) + 1f));
                    for (int d = 0; d < dim; d++)
                        embedding[j + d] += Math.Clamp(coefficient * delta[d], -GradientClip, GradientClip) * alpha;
                }
                nextNegativeSample[e] += negatives * epochsPerNegativeSample[e];
            }
        }
    }

    /// <summary>umap-learn's <c>make_epochs_per_sample</c>: the heaviest edge is sampled every epoch, an edge of weight w every max/w epochs.</summary>
    public static double[] EpochsPerSample(float[] weights, int epochs)
    {
        var result = new double[weights.Length];
        float max = weights.Length == 0 ? 0 : weights.Max();
        for (int e = 0; e < weights.Length; e++)
        {
            double samples = epochs * (weights[e] / (double)max);
            result[e] = samples > 0 ? epochs / samples : -1;
        }
        return result;
    }
}
