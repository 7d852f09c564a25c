using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Inference.Tests.Tokenization;

/// <summary>Every Hugging Face tokenizer case must match exactly: ids, BOS ids, tokens, offsets, decoding.</summary>
public sealed class Llama3TokenizerTests
{
    private static Llama3Tokenizer Tok => Llama3Tokenizer.LoadEmbedded();

    public static TheoryData<int, string> Cases => TokenizerFixtures.TokenizerCaseIndices();

    [Fact]
    public void FixtureHasAllThirtyCases() => Assert.Equal(30, TokenizerFixtures.TokenizerCases.Length);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ids_MatchHuggingFace(int index, string label)
    {
        _ = label;
        var c = TokenizerFixtures.TokenizerCases[index];
        Assert.Equal(c.Ids, Tok.Encode(c.Text).Ids);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IdsWithBos_MatchHuggingFace(int index, string label)
    {
        _ = label;
        var c = TokenizerFixtures.TokenizerCases[index];
        var encoded = Tok.Encode(c.Text, addBos: true);
        Assert.Equal(c.IdsWithBos, encoded.Ids);
        Assert.Equal(new TokenOffset(0, 0), encoded.Offsets[0]);
        Assert.Equal(c.Offsets.Select(o => new TokenOffset(o[0], o[1])), encoded.Offsets.Skip(1));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Offsets_MatchHuggingFace(int index, string label)
    {
        _ = label;
        var c = TokenizerFixtures.TokenizerCases[index];
        var expected = c.Offsets.Select(o => new TokenOffset(o[0], o[1])).ToArray();
        Assert.Equal(expected, Tok.Encode(c.Text).Offsets);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tokens_MatchHuggingFace(int index, string label)
    {
        _ = label;
        var c = TokenizerFixtures.TokenizerCases[index];
        Assert.Equal(c.Tokens, c.Ids.Select(id => Tok.IdToToken(id)!).ToArray());
        Assert.Equal(c.Ids, c.Tokens.Select(t => Tok.TokenToId(t)!.Value).ToArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_MatchesHuggingFace(int index, string label)
    {
        _ = label;
        var c = TokenizerFixtures.TokenizerCases[index];
        Assert.Equal(c.Decoded, Tok.Decode(c.Ids));
        Assert.Equal("<|begin_of_text|>" + c.Decoded, Tok.Decode(c.IdsWithBos));
    }

    [Fact]
    public void SpecialIdsAndVocabSize()
    {
        Assert.Equal(128000, Tok.BosId);
        Assert.Equal(128001, Tok.EosId);
        Assert.Equal(128009, Tok.EotId);
        Assert.Equal(128006, Tok.StartHeaderId);
        Assert.Equal(128007, Tok.EndHeaderId);
        Assert.Equal(128256, Tok.VocabSize);
        Assert.Equal(256, Tok.SpecialTokens.Count);
        Assert.Equal(128009, Tok.TokenToId("<|eot_id|>"));
        Assert.Equal(220, Tok.TokenToId("Ġ"));
        Assert.Equal(279, Tok.TokenToId("Ġthe"));
        Assert.Null(Tok.TokenToId("definitely not a token"));
        Assert.True(Tok.IsSpecial(128255));
        Assert.False(Tok.IsSpecial(127999));
    }

    [Fact]
    public void Decode_PartialUtf8_GivesReplacementCharacter()
    {
        // 62904 is " " + the first three UTF-8 bytes of 👍 (see the emoji case); alone they are invalid UTF-8.
        Assert.Equal(" \uFFFD", Tok.Decode([62904]));
        Assert.Equal(" 👍", Tok.Decode([62904, 235]));
    }

    [Fact]
    public void Decode_UnknownId_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Decode([128256]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tok.Decode([-1]));
    }

    [Fact]
    public void Encode_LoneSurrogate_IsEncodedAsReplacementCharacter()
    {
        var withLone = Tok.Encode("a\uD83Eb");
        var withReplacement = Tok.Encode("a\uFFFDb");
        Assert.Equal(withReplacement.Ids, withLone.Ids);
        Assert.Equal(withReplacement.Offsets, withLone.Offsets);
    }

    [Fact]
    public void Offsets_CountAstralCharactersOnce()
    {
        // "x🧪 y": 🧪 is one code point, so " y" spans code points [2,4) (UTF-16 [3,5)).
        var encoded = Tok.Encode("x🧪 y");
        Assert.Equal(new TokenOffset(2, 4), encoded.Offsets[^1]);
        Assert.Equal(new TokenOffset(0, 1), encoded.Offsets[0]);
        Assert.Equal("x🧪 y", Tok.Decode(encoded.Ids));
    }
}
