using SaeExplorer.Core.Prompts;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Inference.Tests.Tokenization;

public sealed class ChatFormatTests
{
    private static Llama3Tokenizer Tok => Llama3Tokenizer.LoadEmbedded();

    public static TheoryData<int, string> Cases => TokenizerFixtures.ChatCaseIndices();

    [Fact]
    public void FixtureHasAllTenConversations() => Assert.Equal(10, TokenizerFixtures.ChatCases.Length);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Llama31_Render_MatchesHuggingFace(int index, string label)
    {
        _ = label;
        var c = TokenizerFixtures.ChatCases[index];
        Assert.Equal(c.Rendered, ChatFormats.Render(ChatFormat.Llama31, c.Messages));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Llama31_InputIds_MatchHuggingFace(int index, string label)
    {
        _ = label;
        var c = TokenizerFixtures.ChatCases[index];
        var encoder = new PromptEncoder(Tok, ChatFormat.Llama31, maxTokens: 131072);
        var prompt = encoder.Encode(c.Messages);
        Assert.Equal(c.InputIds, prompt.Ids);
        Assert.Equal(c.Rendered, prompt.Text);
        Assert.Equal(c.InputIds.Length, prompt.Offsets.Length);
        // Offsets index the rendered text: the first token is <|begin_of_text|> at [0,17).
        Assert.Equal(new TokenOffset(0, 17), prompt.Offsets[0]);
        Assert.Equal(c.Rendered.Length, prompt.Offsets[^1].End); // all fixture renders are BMP-only
    }

    [Fact]
    public void Llama31_SystemMessage_IsFoldedIntoSystemBlockAndTrimmed()
    {
        var rendered = ChatFormats.Render(ChatFormat.Llama31,
            [new("system", "  Be brief.\n"), new("user", "\tHi there \u001F")], addGenerationPrompt: false, dateString: "01 Jan 2025");
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>",
            rendered);
    }

    [Fact]
    public void Llama3_Render_MatchesHandWrittenTemplateOutput()
    {
        ChatMessage[] messages =
        [
            new("system", " You are a concise assistant. "),
            new("user", "Explain how vaccines work.\n"),
            new("assistant", "They train the immune system."),
            new("user", "More detail?"),
        ];
        const string expected =
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a concise assistant.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nExplain how vaccines work.<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nThey train the immune system.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nMore detail?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        Assert.Equal(expected, ChatFormats.Render(ChatFormat.Llama3, messages));
        Assert.Equal(expected[..^"<|start_header_id|>assistant<|end_header_id|>\n\n".Length],
            ChatFormats.Render(ChatFormat.Llama3, messages, addGenerationPrompt: false));
    }

    [Fact]
    public void Llama3_Encode_GivesHandCheckedIds()
    {
        // Ids assembled from the HF fixtures: 9125 "system"... 882 "user", 78191 "assistant", 271 "\n\n",
        // and "Explain how vaccines work." = 849 21435 1268 40300 990 13 (tokenizer case 0).
        var encoder = new PromptEncoder(Tok, ChatFormat.Llama3, maxTokens: 8192);
        var prompt = encoder.Encode([new ChatMessage("user", "Explain how vaccines work.")]);
        int[] expected = [128000, 128006, 882, 128007, 271, 849, 21435, 1268, 40300, 990, 13, 128009, 128006, 78191, 128007, 271];
        Assert.Equal(expected, prompt.Ids);
        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nExplain how vaccines work.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            prompt.Text);
    }

    [Fact]
    public void None_Render_IsBosPlusRawText()
    {
        Assert.Equal("<|begin_of_text|>  raw text ", ChatFormats.Render(ChatFormat.None, [new("user", "  raw text ")]));
        Assert.Throws<ArgumentException>(() => ChatFormats.Render(ChatFormat.None, [new("user", "a"), new("user", "b")]));
    }

    [Fact]
    public void Detect_OnFixtureTemplates()
    {
        string dir31 = ModelDirWithConfig("tokenizer_config.llama31.json");
        string dir30 = ModelDirWithConfig("tokenizer_config.llama30.json");
        try
        {
            Assert.Equal(ChatFormat.Llama31, ChatFormats.FromModelDirectory(dir31));
            Assert.Equal(ChatFormat.Llama3, ChatFormats.FromModelDirectory(dir30));
            Assert.Equal(ChatFormat.Llama31, ChatFormats.Resolve("auto", dir31));
            Assert.Equal(ChatFormat.Llama3, ChatFormats.Resolve("auto", dir30));
            Assert.Equal(ChatFormat.None, ChatFormats.Resolve("none", dir31));
            Assert.Equal(ChatFormat.Llama3, ChatFormats.Detect(ChatFormats.ReadChatTemplate(dir30)));
        }
        finally
        {
            Directory.Delete(dir31, recursive: true);
            Directory.Delete(dir30, recursive: true);
        }
    }

    [Fact]
    public void Detect_TemplateListTakesDefault_AndMissingTemplateIsNone()
    {
        string dir = Directory.CreateTempSubdirectory("saex-tok-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
                """{"chat_template": [{"name": "tool_use", "template": "<|start_header_id|>"}, {"name": "default", "template": "{{ 'Cutting Knowledge Date: December 2023' }}"}]}""");
            Assert.Equal(ChatFormat.Llama31, ChatFormats.FromModelDirectory(dir));

            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"bos_token": "<|begin_of_text|>"}""");
            Assert.Equal(ChatFormat.None, ChatFormats.FromModelDirectory(dir));

            File.WriteAllText(Path.Combine(dir, "chat_template.jinja"), "{{ '<|start_header_id|>' }}");
            Assert.Equal(ChatFormat.Llama3, ChatFormats.FromModelDirectory(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        Assert.Throws<DirectoryNotFoundException>(() => ChatFormats.FromModelDirectory(dir));
    }

    [Theory]
    [InlineData("{% if x %}Cutting Knowledge Date: December 2023{% endif %}<|start_header_id|>", ChatFormat.Llama31)]
    [InlineData("{{ '<|start_header_id|>' + message['role'] }}", ChatFormat.Llama3)]
    [InlineData("", ChatFormat.None)]
    [InlineData(null, ChatFormat.None)]
    public void Detect_FromTemplateText(string? template, ChatFormat expected) =>
        Assert.Equal(expected, ChatFormats.Detect(template));

    [Fact]
    public void A_template_of_another_family_asks_for_a_chat_format_instead_of_falling_back_to_raw_text() =>
        Assert.Contains("choose one with --chat-format", Assert.Throws<InvalidDataException>(() => ChatFormats.Detect("{{ '<|im_start|>' }}")).Message);

    [Theory]
    [InlineData("auto", null)]
    [InlineData("AUTO", null)]
    [InlineData("none", ChatFormat.None)]
    [InlineData("llama3", ChatFormat.Llama3)]
    [InlineData("llama3.1", ChatFormat.Llama31)]
    [InlineData("Llama3.3", ChatFormat.Llama31)]
    public void Parse_CliValues(string value, ChatFormat? expected) => Assert.Equal(expected, ChatFormats.Parse(value));

    [Fact]
    public void Parse_UnknownValue_ListsAcceptedValues()
    {
        var ex = Assert.Throws<ArgumentException>(() => ChatFormats.Parse("chatml"));
        Assert.Contains("chatml", ex.Message);
        Assert.Contains("llama3.1", ex.Message);
    }

    private static string ModelDirWithConfig(string fixtureName)
    {
        string dir = Directory.CreateTempSubdirectory("saex-tok-").FullName;
        File.Copy(Path.Combine(TokenizerFixtures.Dir, fixtureName), Path.Combine(dir, "tokenizer_config.json"));
        return dir;
    }
}
