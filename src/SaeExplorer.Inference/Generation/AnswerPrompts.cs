using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Tokenization;
using SaeExplorer.Runs.Sources;

namespace SaeExplorer.Inference.Generation;

/// <summary>Prompts to answer, from a prompts JSONL file or a prompt set, tokenized with the model's chat template.</summary>
public static class AnswerPrompts
{
    /// <summary>
    /// Each line's prompt (<c>{"id", "messages"}</c> through the chat template with the assistant header, or
    /// <c>{"id", "text"}</c> as it is); a prompt that cannot be encoded is named with the file.
    /// </summary>
    public static IReadOnlyList<AnswerPrompt> FromJsonl(string path, ModelSource model, string chatFormat)
    {
        var encoder = Encoder(model, chatFormat);
        return [.. PromptJsonl.Read(path).Select(p => Encode(path, p.Id, () => p.IsChat ? encoder.Encode(p.Messages!).Ids : encoder.EncodeRaw(p.Text!).Ids))];
    }

    /// <summary>Every prompt of the set (conditions × topics), in the set's order, ids as the set names them.</summary>
    public static IReadOnlyList<AnswerPrompt> FromPromptSet(PromptSet set, string source, ModelSource model, string chatFormat)
    {
        var encoder = Encoder(model, chatFormat);
        return [.. PromptSets.Expand(set).Select(p => Encode(source, p.Id, () => encoder.Encode(p.Messages).Ids))];
    }

    /// <summary>Tokenizes one prompt typed by hand (the dashboard), as a single user message.</summary>
    public static AnswerPrompt FromText(string id, string userMessage, ModelSource model, string chatFormat) =>
        new(id, Encoder(model, chatFormat).Encode([new ChatMessage("user", userMessage)]).Ids);

    private static PromptEncoder Encoder(ModelSource model, string chatFormat) =>
        new(Llama3Tokenizer.Load(model.Directory), ChatFormats.Resolve(chatFormat, model.Directory), model.MaxPositions);

    private static AnswerPrompt Encode(string source, string id, Func<int[]> encode)
    {
        try
        {
            return new AnswerPrompt(id, encode());
        }
        catch (InvalidPromptException e)
        {
            throw new InvalidPromptException($"{source}: prompt '{id}': {e.Message}");
        }
    }
}
