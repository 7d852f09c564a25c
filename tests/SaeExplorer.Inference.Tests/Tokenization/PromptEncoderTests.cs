using System.Text;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Inference.Tests.Tokenization;

public sealed class PromptEncoderTests
{
    private static Llama3Tokenizer Tok => Llama3Tokenizer.LoadEmbedded();

    [Fact]
    public void Raw_AddsBos_LikeHuggingFaceDefault()
    {
        var c = TokenizerFixtures.TokenizerCases[0];
        var prompt = new PromptEncoder(Tok, ChatFormat.None, 100).EncodeRaw(c.Text);
        Assert.Equal(c.IdsWithBos, prompt.Ids);
        Assert.Equal(c.Text, prompt.Text);
        Assert.Equal(ChatFormat.None, prompt.Format);
        Assert.Equal(new TokenOffset(0, 0), prompt.Offsets[0]);
    }

    [Fact]
    public void NoneFormat_SingleMessage_IsRawText()
    {
        var c = TokenizerFixtures.TokenizerCases[3];
        var prompt = new PromptEncoder(Tok, ChatFormat.None, 100).Encode([new ChatMessage("user", c.Text)]);
        Assert.Equal(c.IdsWithBos, prompt.Ids);
    }

    [Fact]
    public void NoneFormat_Conversation_IsRefused()
    {
        var encoder = new PromptEncoder(Tok, ChatFormat.None, 100);
        var ex = Assert.Throws<InvalidPromptException>(() => encoder.Encode([new ChatMessage("user", "a"), new ChatMessage("assistant", "b")]));
        Assert.Contains("2 messages", ex.Message);
    }

    [Fact]
    public void EmptyPrompts_AreRefused()
    {
        var encoder = new PromptEncoder(Tok, ChatFormat.Llama31, 100);
        var none = Assert.Throws<InvalidPromptException>(() => encoder.Encode([]));
        Assert.Contains("no messages", none.Message);
        var blank = Assert.Throws<InvalidPromptException>(() => encoder.Encode([new ChatMessage("system", " "), new ChatMessage("user", "\n\t ")]));
        Assert.Contains("empty", blank.Message);
        Assert.Throws<InvalidPromptException>(() => encoder.EncodeRaw(""));
        Assert.Throws<InvalidPromptException>(() => encoder.EncodeRaw("   \n"));
        // It is still an ArgumentException for generic callers.
        Assert.IsAssignableFrom<ArgumentException>(blank);
    }

    [Fact]
    public void TooLongPrompt_IsRefusedWithCountAndLimit()
    {
        // The "standard" conversation is 41 tokens in the Llama 3.1 format.
        var c = TokenizerFixtures.ChatCases[0];
        Assert.Equal(41, c.InputIds.Length);
        Assert.Equal(41, new PromptEncoder(Tok, ChatFormat.Llama31, 41).Encode(c.Messages).Count);

        var ex = Assert.Throws<PromptTooLongException>(() => new PromptEncoder(Tok, ChatFormat.Llama31, 40).Encode(c.Messages));
        Assert.Equal(41, ex.TokenCount);
        Assert.Equal(40, ex.MaxTokens);
        Assert.Contains("41 tokens", ex.Message);
        Assert.Contains("40 tokens", ex.Message);

        // Raw text: BOS + 6 tokens = 7.
        var raw = Assert.Throws<PromptTooLongException>(() => new PromptEncoder(Tok, ChatFormat.None, 6).EncodeRaw("Explain how vaccines work."));
        Assert.Equal(7, raw.TokenCount);
        Assert.Equal(6, raw.MaxTokens);
        // The whole message is for the user: numbers for humans, no "(Parameter 'text')".
        Assert.Equal("The prompt is 7 tokens long, which exceeds the model's context of 6 tokens; shorten it by at least 1 tokens.", raw.Message);
    }

    [Fact]
    public void A_10_MB_word_is_refused_before_tokenizing_as_certainly_longer_than_the_context()
    {
        // Tokenizing one 10 MB pre-token took minutes before the merge became n log n; it need not happen at all.
        string word = new('a', 10_000_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<PromptTooLongException>(() => new PromptEncoder(Tok, ChatFormat.Llama31, 8192).Encode([new ChatMessage("user", word)]));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");

        int longest = Tok.LongestTokenBytes;
        Assert.InRange(longest, 19, 1024);
        Assert.True(ex.TokenCount > 8192);
        Assert.StartsWith("The prompt's 10,000,", ex.Message);
        Assert.Contains($"(no token is longer than {longest} bytes), which exceeds the model's context of 8,192 tokens", ex.Message);
        // Just under the bound, the prompt is tokenized and the exact count decides.
        Assert.Equal(longest * 4, Encoding.UTF8.GetByteCount(new string('a', longest * 4)));
        Assert.Throws<PromptTooLongException>(() => new PromptEncoder(Tok, ChatFormat.None, 4).EncodeRaw(new string('a', longest * 4)));
    }

    [Fact]
    public void Roles_AreValidatedPerFormat()
    {
        var tool = new ChatMessage[] { new("user", "What is 2+2?"), new("ipython", "4") };
        Assert.Equal(ChatFormat.Llama31, new PromptEncoder(Tok, ChatFormat.Llama31, 200).Encode(tool).Format);
        Assert.Equal(ChatFormat.Llama31, new PromptEncoder(Tok, ChatFormat.Llama31, 200).Encode([new ChatMessage("tool", "x")]).Format);

        var ex30 = Assert.Throws<InvalidPromptException>(() => new PromptEncoder(Tok, ChatFormat.Llama3, 200).Encode(tool));
        Assert.Contains("Message 2", ex30.Message);
        Assert.Contains("'ipython'", ex30.Message);

        var exCase = Assert.Throws<InvalidPromptException>(() => new PromptEncoder(Tok, ChatFormat.Llama31, 200).Encode([new ChatMessage("User", "hi")]));
        Assert.Contains("'User'", exCase.Message);
        Assert.Contains("system, user, assistant, ipython, tool", exCase.Message);
    }

    [Fact]
    public void Constructor_RejectsNonPositiveLimit() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptEncoder(Tok, ChatFormat.Llama31, 0));
}
