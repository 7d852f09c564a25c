using SaeExplorer.Core.Prompts;

namespace SaeExplorer.Core.Tests.Prompts;

public sealed class TokenPiecesTests
{
    // 🎉 is F0 9F 8E 89 in UTF-8; 日 is E6 97 A5.
    private static TokenPiece[] Of(params byte[]?[] tokens) => TokenPieces.Of(tokens, p => $"<special {p}>");

    private static string[] Texts(TokenPiece[] pieces) => [.. pieces.Select(p => p.Text)];

    [Fact]
    public void Whole_characters_read_as_themselves_with_no_bytes()
    {
        var pieces = Of([.. "Party"u8], [.. " time"u8], [.. " 日本"u8]);

        Assert.Equal(["Party", " time", " 日本"], Texts(pieces));
        Assert.All(pieces, p => Assert.Null(p.Bytes));
        Assert.All(pieces, p => Assert.Null(p.ContinuesFrom));
    }

    [Fact]
    public void An_emoji_split_over_two_tokens_reads_once_on_the_first_and_both_show_their_bytes()
    {
        var pieces = Of([.. " "u8, 0xF0, 0x9F], [0x8E, 0x89], [.. " and"u8]);

        Assert.Equal([" 🎉", "", " and"], Texts(pieces));
        Assert.Equal([null, 0, null], pieces.Select(p => p.ContinuesFrom));
        Assert.Equal("<0x20><0xF0><0x9F>", pieces[0].Bytes);
        Assert.Equal("<0x8E><0x89>", pieces[1].Bytes);
        Assert.Null(pieces[2].Bytes);
    }

    [Fact]
    public void An_emoji_split_over_three_tokens_continues_from_the_first()
    {
        var pieces = Of([.. "x"u8], [0xF0], [0x9F, 0x8E], [0x89]);

        Assert.Equal(["x", "🎉", "", ""], Texts(pieces));
        Assert.Equal([null, null, 1, 1], pieces.Select(p => p.ContinuesFrom));
        Assert.Equal(["<0xF0>", "<0x9F><0x8E>", "<0x89>"], pieces.Skip(1).Select(p => p.Bytes));
    }

    [Fact]
    public void An_emoji_split_over_four_tokens_and_two_emoji_sharing_a_token_read_as_one_group()
    {
        var four = Of([0xF0], [0x9F], [0x8E], [0x89]);
        Assert.Equal(["🎉", "", "", ""], Texts(four));
        Assert.Equal([null, 0, 0, 0], four.Select(p => p.ContinuesFrom));
        Assert.All(four, p => Assert.StartsWith("<0x", p.Bytes));

        // "🎉🎉" as F0 9F | 8E 89 F0 9F | 8E 89: the middle token ends one emoji and starts the next, so all three are one group.
        var two = Of([0xF0, 0x9F], [0x8E, 0x89, 0xF0, 0x9F], [0x8E, 0x89]);
        Assert.Equal(["🎉🎉", "", ""], Texts(two));
        Assert.Equal([null, 0, 0], two.Select(p => p.ContinuesFrom));
    }

    [Fact]
    public void A_CJK_character_split_over_tokens_reads_once()
    {
        var pieces = Of([.. "本"u8], [0xE6, 0x97], [0xA5]);

        Assert.Equal(["本", "日", ""], Texts(pieces));
        Assert.Equal("<0xE6><0x97>", pieces[1].Bytes);
        Assert.Equal("<0xA5>", pieces[2].Bytes);
        Assert.Equal(1, pieces[2].ContinuesFrom);
    }

    [Fact]
    public void Bytes_cut_short_at_the_end_or_invalid_stay_shown_as_bytes()
    {
        var cut = Of([.. "ok "u8], [0xF0, 0x9F], [0x8E]);
        Assert.Equal(["ok ", "<0xF0><0x9F>", "<0x8E>"], Texts(cut));
        Assert.Equal([null, null, null], cut.Select(p => p.ContinuesFrom));
        Assert.Equal("<0xF0><0x9F>", cut[1].Bytes);

        // A lone continuation byte and a lead byte followed by a letter: no character, but every byte and the letter are shown.
        var invalid = Of([0x89, .. "a"u8], [0xE6], [.. "b"u8]);
        Assert.Equal(["<0x89>a", "<0xE6>", "b"], Texts(invalid));
        Assert.Equal("<0x89><0x61>", invalid[0].Bytes);
        Assert.Null(invalid[2].Bytes);
        Assert.DoesNotContain(invalid, p => p.Text.Contains('\uFFFD'));
    }

    [Fact]
    public void A_special_token_reads_as_its_text_and_no_character_crosses_it()
    {
        var pieces = Of([0xF0, 0x9F], null, [0x8E, 0x89]);

        Assert.Equal(["<0xF0><0x9F>", "<special 1>", "<0x8E><0x89>"], Texts(pieces));
        Assert.All(pieces, p => Assert.Null(p.ContinuesFrom));
        Assert.Null(pieces[1].Bytes);
    }
}
