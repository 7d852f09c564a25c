namespace SaeExplorer.Inference.Generation;

/// <summary>
/// A rule on which tokens may come next in one sequence (constrained decoding, e.g. a JSON schema): consulted before
/// each draw, told each chosen token. Once <see cref="IsComplete"/>, only the stop tokens may follow.
/// </summary>
public interface ITokenConstraint
{
    bool IsComplete { get; }

    /// <summary>Sets <c>allowed[id]</c> for every token id that may come next, the stop tokens once the value is complete (the span starts all false).</summary>
    void Allow(Span<bool> allowed);

    void Advance(int tokenId);
}
