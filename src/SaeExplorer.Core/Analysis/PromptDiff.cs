using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Analysis;

/// <summary>
/// One side of a <see cref="PromptDiff"/>: token ids, their strings, optional segment labels (e.g. "template",
/// "user"; null = one segment) and per-token features (row t = token t).
/// </summary>
public sealed record DiffPrompt(string Id, IReadOnlyList<int> TokenIds, IReadOnlyList<string> Tokens, IReadOnlyList<string>? Segments, SparseFeatureMatrix Features);

/// <summary>How a diff entry relates the two prompts.</summary>
public enum TokenDiffKind
{
    /// <summary>The same token (id and segment) in both prompts.</summary>
    Aligned,
    /// <summary>Only in the first prompt.</summary>
    Deleted,
    /// <summary>Only in the second prompt.</summary>
    Inserted,
}

/// <summary>A latent at a token, with its value there.</summary>
public sealed record FeatureValue(int Feature, float Value);

/// <summary>A latent active at both aligned tokens whose value moved by more than the threshold.</summary>
public sealed record FeatureChange(int Feature, float ValueA, float ValueB)
{
    public float Delta => ValueB - ValueA;
}

/// <summary>
/// One step of the alignment. For <see cref="TokenDiffKind.Aligned"/>: <see cref="Gained"/> = active at B's token only,
/// <see cref="Lost"/> = active at A's token only, <see cref="Changed"/> = active at both with |B − A| above the
/// threshold. For <see cref="TokenDiffKind.Deleted"/>, <see cref="Lost"/> holds all of A's features there; for
/// <see cref="TokenDiffKind.Inserted"/>, <see cref="Gained"/> holds all of B's. Lists are by latent index.
/// </summary>
public sealed record TokenDiffEntry(
    TokenDiffKind Kind,
    int? IndexA,
    int? IndexB,
    string Token,
    string? Segment,
    IReadOnlyList<FeatureValue> Gained,
    IReadOnlyList<FeatureValue> Lost,
    IReadOnlyList<FeatureChange> Changed);

/// <summary>The token-by-token comparison of two prompts.</summary>
public sealed record PromptDiffResult(string IdA, string IdB, double ChangeThreshold, IReadOnlyList<TokenDiffEntry> Entries)
{
    public int AlignedCount => Entries.Count(e => e.Kind == TokenDiffKind.Aligned);
}

/// <summary>
/// Aligns two prompts token by token and reports how their SAE features differ at each position. The alignment is a
/// longest common subsequence of (segment, token id) pairs, so tokens align only within equal segments — a "the" in
/// the system template never pairs with a "the" in the user's message. Deterministic: among equally long alignments,
/// the one that matches as early as possible in both prompts, with deletions before insertions in each gap.
/// </summary>
/// <remarks>
/// The common prefix and suffix (usually most of a chat template) are matched first; the classic O(n·m) table is built
/// only for the part between, so two 2,000-token prompts that differ in their user message cost little.
/// </remarks>
public static class PromptDiff
{
    /// <param name="changeThreshold">Report a latent active at both aligned tokens when |value B − value A| exceeds this.</param>
    public static PromptDiffResult Compare(DiffPrompt a, DiffPrompt b, double changeThreshold = 0)
    {
        Check(a);
        Check(b);
        if (a.Features.FeatureCount != b.Features.FeatureCount)
            throw new ArgumentException($"'{a.Id}' has {a.Features.FeatureCount} latents but '{b.Id}' has {b.Features.FeatureCount}.", nameof(b));
        ArgumentOutOfRangeException.ThrowIfNegative(changeThreshold);

        var entries = new List<TokenDiffEntry>();
        foreach (var (kind, i, j) in Align(a, b))
        {
            entries.Add(kind switch
            {
                TokenDiffKind.Aligned => AlignedEntry(a, b, i, j, changeThreshold),
                TokenDiffKind.Deleted => new TokenDiffEntry(kind, i, null, a.Tokens[i], Segment(a, i), [], All(a.Features, i), []),
                _ => new TokenDiffEntry(kind, null, j, b.Tokens[j], Segment(b, j), All(b.Features, j), [], []),
            });
        }
        return new PromptDiffResult(a.Id, b.Id, changeThreshold, entries);
    }

    /// <summary>The alignment as (kind, index in A, index in B); the unused index is −1.</summary>
    public static IReadOnlyList<(TokenDiffKind Kind, int IndexA, int IndexB)> Align(DiffPrompt a, DiffPrompt b)
    {
        int n = a.TokenIds.Count;
        int m = b.TokenIds.Count;
        bool Same(int i, int j) => a.TokenIds[i] == b.TokenIds[j] && Segment(a, i) == Segment(b, j);

        int prefix = 0;
        while (prefix < n && prefix < m && Same(prefix, prefix))
            prefix++;
        int suffix = 0;
        while (suffix < n - prefix && suffix < m - prefix && Same(n - 1 - suffix, m - 1 - suffix))
            suffix++;

        var steps = new List<(TokenDiffKind, int, int)>(n + m);
        for (int k = 0; k < prefix; k++)
            steps.Add((TokenDiffKind.Aligned, k, k));

        // lcs[i, j] = LCS length of A[i..] and B[j..] within the middle part, so walking forward can choose greedily.
        int rows = n - prefix - suffix;
        int cols = m - prefix - suffix;
        var lcs = new int[(rows + 1) * (cols + 1)];
        int width = cols + 1;
        for (int i = rows - 1; i >= 0; i--)
        {
            for (int j = cols - 1; j >= 0; j--)
            {
                lcs[i * width + j] = Same(prefix + i, prefix + j)
                    ? lcs[(i + 1) * width + j + 1] + 1
                    : Math.Max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
            }
        }
        int x = 0, y = 0;
        while (x < rows || y < cols)
        {
            if (x < rows && y < cols && Same(prefix + x, prefix + y))
            {
                // Matching equal heads is always part of some longest alignment.
                steps.Add((TokenDiffKind.Aligned, prefix + x, prefix + y));
                x++;
                y++;
            }
            else if (y == cols || (x < rows && lcs[(x + 1) * width + y] >= lcs[x * width + y + 1]))
            {
                steps.Add((TokenDiffKind.Deleted, prefix + x, -1));
                x++;
            }
            else
            {
                steps.Add((TokenDiffKind.Inserted, -1, prefix + y));
                y++;
            }
        }
        for (int k = 0; k < suffix; k++)
            steps.Add((TokenDiffKind.Aligned, n - suffix + k, m - suffix + k));
        return steps;
    }

    private static TokenDiffEntry AlignedEntry(DiffPrompt a, DiffPrompt b, int i, int j, double threshold)
    {
        var ia = a.Features.RowIndices(i);
        var va = a.Features.RowValues(i);
        var ib = b.Features.RowIndices(j);
        var vb = b.Features.RowValues(j);
        var gained = new List<FeatureValue>();
        var lost = new List<FeatureValue>();
        var changed = new List<FeatureChange>();
        // Both rows are ascending: one merge pass.
        int p = 0, q = 0;
        while (p < ia.Length || q < ib.Length)
        {
            if (q == ib.Length || (p < ia.Length && ia[p] < ib[q]))
            {
                lost.Add(new FeatureValue(ia[p], va[p]));
                p++;
            }
            else if (p == ia.Length || ib[q] < ia[p])
            {
                gained.Add(new FeatureValue(ib[q], vb[q]));
                q++;
            }
            else
            {
                if (Math.Abs((double)vb[q] - va[p]) > threshold)
                    changed.Add(new FeatureChange(ia[p], va[p], vb[q]));
                p++;
                q++;
            }
        }
        return new TokenDiffEntry(TokenDiffKind.Aligned, i, j, a.Tokens[i], Segment(a, i), gained, lost, changed);
    }

    private static FeatureValue[] All(SparseFeatureMatrix m, int token)
    {
        var indices = m.RowIndices(token);
        var values = m.RowValues(token);
        var result = new FeatureValue[indices.Length];
        for (int k = 0; k < indices.Length; k++)
            result[k] = new FeatureValue(indices[k], values[k]);
        return result;
    }

    private static string? Segment(DiffPrompt p, int token) => p.Segments?[token];

    private static void Check(DiffPrompt p)
    {
        int t = p.Features.TokenCount;
        if (p.TokenIds.Count != t || p.Tokens.Count != t || (p.Segments is not null && p.Segments.Count != t))
            throw new ArgumentException($"prompt '{p.Id}': {p.TokenIds.Count} ids, {p.Tokens.Count} token strings, {p.Segments?.Count.ToString() ?? "no"} segment labels and {t} feature rows must all agree.");
    }
}
