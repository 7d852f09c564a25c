using System.Threading.Channels;
using Mediator;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Web.Application.Generate;

/// <summary>
/// Answer one prompt: the plain answer, and (with interventions) the steered one beside it, with the same decoding and
/// seed. Checked before anything runs; the answers then stream as <see cref="GenerationUpdate"/>s.
/// </summary>
public sealed record StartGenerationCommand(PromptInput Input, DecodingOptions Decoding, IReadOnlyList<FeatureIntervention> Interventions,
    InterventionScope Scope = InterventionScope.All) : IRequest<GenerationStream>;

public enum AnswerSide
{
    Baseline,
    Steered,
}

/// <summary>Something new about one side's answer.</summary>
/// <param name="Token">a token was chosen (index, id, text)</param>
/// <param name="Features">the features of token Index, once its residual exists (sorted by feature)</param>
/// <param name="Finished">the side's answer is complete</param>
/// <param name="Error">the side failed; the message says why</param>
/// <param name="TokenBytes">the chosen token's bytes (null for a special token): it may hold part of a character that the next tokens complete</param>
public sealed record GenerationUpdate(AnswerSide Side, int Index, int TokenId = 0, string? Token = null, TokenFeatures? Features = null,
    FinishedAnswer? Finished = null, string? Error = null, byte[]? TokenBytes = null);

/// <summary>One answer token's active features (ascending feature index) and their values.</summary>
public sealed record TokenFeatures(int[] Indices, float[] Values)
{
    public float ValueOf(int feature)
    {
        int at = Array.BinarySearch(Indices, feature);
        return at >= 0 ? Values[at] : 0f;
    }
}

/// <summary>A finished answer: how it ended, and its strongest features (max over the answer's tokens).</summary>
public sealed record FinishedAnswer(string FinishReason, int PromptTokens, double Seconds, IReadOnlyList<AnswerFeature> Top);

/// <summary>A feature of an answer: its largest value on any answer token, on how many tokens it fires, its label.</summary>
public sealed record AnswerFeature(int Feature, float Max, int Tokens, string? Label);

/// <summary>The sides being generated and the updates as they come; the stream ends when every side has finished.</summary>
public sealed record GenerationStream(IReadOnlyList<AnswerSide> Sides, ChannelReader<GenerationUpdate> Updates);
