using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Runs.Sources;

namespace SaeExplorer.Inference.Tokenization;

/// <summary>A prompt's id (as its input names it) and its token ids, chat template applied.</summary>
public sealed record PromptIds(string Id, int[] Ids);

/// <summary>
/// Prompts from a prompts JSONL file or a prompt set, tokenized with the model's chat template (what capture and
/// generation read); a prompt that cannot be encoded is named with its source.
/// </summary>
public static class TokenizedPrompts
{
    /// <summary>
    /// Each line's prompt (<c>{"id", "messages"}</c> through the chat template with the assistant header, or
    /// <c>{"id", "text"}</c> as it is); a prompt that cannot be encoded is named with the file.
    /// </summary>
    public static IReadOnlyList<PromptIds> FromJsonl(string path, ModelSource model, string chatFormat) =>
        FromJsonl(path, model, ChatFormats.Resolve(chatFormat, model.Directory));

    /// <inheritdoc cref="FromJsonl(string, ModelSource, string)"/>
    public static IReadOnlyList<PromptIds> FromJsonl(string path, ModelSource model, ChatFormat format)
    {
        var encoder = Encoder(model, format);
        return [.. PromptJsonl.Read(path).Select(p => Encode(path, p.Id, () => p.IsChat ? encoder.Encode(p.Messages!).Ids : encoder.EncodeRaw(p.Text!).Ids))];
    }

    /// <summary>Every prompt of the set (conditions × topics), in the set's order, ids as the set names them.</summary>
    public static IReadOnlyList<PromptIds> FromPromptSet(PromptSet set, string source, ModelSource model, string chatFormat)
    {
        var encoder = Encoder(model, chatFormat);
        return [.. PromptSets.Expand(set).Select(p => Encode(source, p.Id, () => encoder.Encode(p.Messages).Ids))];
    }

    private static PromptEncoder Encoder(ModelSource model, string chatFormat) => Encoder(model, ChatFormats.Resolve(chatFormat, model.Directory));

    private static PromptEncoder Encoder(ModelSource model, ChatFormat format) => new(Llama3Tokenizer.Load(model.Directory), format, model.MaxPositions);

    private static PromptIds Encode(string source, string id, Func<int[]> encode)
    {
        try
        {
            return new PromptIds(id, encode());
        }
        catch (InvalidPromptException e)
        {
            throw new InvalidPromptException($"{source}: prompt '{id}': {e.Message}");
        }
    }
}
