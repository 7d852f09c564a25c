namespace SaeExplorer.Core.Features;

/// <summary>How one prompt's per-token features become one vector.</summary>
public enum PoolingMethod
{
    /// <summary>The last token of the formatted prompt (the default: the state the model answers from).</summary>
    Last,
    /// <summary>Mean over the pooled tokens (a latent inactive on a token counts as 0 there).</summary>
    Mean,
    /// <summary>Element-wise maximum over the pooled tokens.</summary>
    Max,
    /// <summary>Maximum over the tokens of the user's message(s) only, leaving out template and BOS tokens.</summary>
    User,
}
