using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>The token embedding table (<c>embed_tokens.weight</c> [vocab, hidden]).</summary>
public sealed class TokenEmbedding : Module<Tensor, Tensor>
{
    private readonly Parameter weight;

    public TokenEmbedding(ILlamaWeights weights, string checkpointName, long vocab, long hidden, Device device) : base("embed_tokens")
    {
        weight = new Parameter(weights.Get(checkpointName, [vocab, hidden], device), requires_grad: false);
        RegisterComponents();
    }

    public Tensor Weight => weight;

    /// <param name="ids">token ids of any shape (int64)</param>
    public override Tensor forward(Tensor ids)
    {
        using var flat = ids.reshape(-1);
        using var rows = weight.index_select(0, flat);
        return rows.reshape([.. ids.shape, weight.shape[1]]);
    }
}
