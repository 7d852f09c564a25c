using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Inference.Tests.Tokenization;

public sealed class PromptSegmentsTests
{
    private static readonly Llama3Tokenizer Tokenizer = Llama3Tokenizer.LoadEmbedded();

    [Fact]
    public void Only_the_user_message_tokens_are_selected_in_the_31_format()
    {
        var encoder = new PromptEncoder(Tokenizer, ChatFormat.Llama31, 1000);
        var prompt = encoder.Encode([new ChatMessage("user", "Explain how vaccines work.")]);
        var positions = PromptSegments.UserTokenPositions(prompt);
        // Golden ids: ... 128007 271 | 849 21435 1268 40300 990 13 | 128009 128006 78191 128007 271
        Assert.Equal([849, 21435, 1268, 40300, 990, 13], positions.Select(p => prompt.Ids[p]));
        Assert.Equal(Enumerable.Range(30, 6), positions);
    }

    [Fact]
    public void Every_user_turn_of_a_conversation_counts_and_nothing_else()
    {
        var encoder = new PromptEncoder(Tokenizer, ChatFormat.Llama31, 1000);
        var prompt = encoder.Encode([
            new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Hi 🧪!"),
            new ChatMessage("assistant", "Hello."),
            new ChatMessage("user", "Bye"),
        ]);
        var text = Tokenizer.Decode(PromptSegments.UserTokenPositions(prompt).Select(p => prompt.Ids[p]));
        Assert.Equal("Hi 🧪!Bye", text);
    }

    [Fact]
    public void Raw_text_uses_every_token_but_the_bos()
    {
        var encoder = new PromptEncoder(Tokenizer, ChatFormat.None, 1000);
        var prompt = encoder.EncodeRaw("Hello world");
        Assert.Equal([128000, 9906, 1917], prompt.Ids);
        Assert.Equal([1, 2], PromptSegments.UserTokenPositions(prompt));
    }
}
