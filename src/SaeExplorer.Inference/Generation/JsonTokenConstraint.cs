using SaeExplorer.Runs.Generation.Constraints;

namespace SaeExplorer.Inference.Generation;

/// <summary>A JSON grammar (<see cref="JsonConstraint"/>) as a decoding constraint over a tokenizer's vocabulary.</summary>
public sealed class JsonTokenConstraint : ITokenConstraint
{
    private readonly JsonConstraintState _state;

    private JsonTokenConstraint(JsonConstraintState state) => _state = state;

    /// <param name="tokenBytes">the tokenizer's bytes per id (special tokens null); its trie is built once per vocabulary and shared</param>
    public static JsonTokenConstraint Start(JsonConstraint grammar, IReadOnlyList<byte[]?> tokenBytes, IReadOnlySet<int> stopIds) =>
        new(grammar.CreateState(TokenTrie.For(tokenBytes), stopIds.Where(id => id < tokenBytes.Count)));

    public bool IsComplete => _state.IsComplete;

    public void Allow(Span<bool> allowed) => _state.FillAllowed(allowed);

    public void Advance(int tokenId)
    {
        // The sampler drew from the allowed tokens only, so a refusal here is a bug, not bad input.
        if (!_state.TryAdvance(tokenId))
            throw new InvalidOperationException($"token {tokenId} was chosen but the JSON grammar does not allow it");
    }
}
