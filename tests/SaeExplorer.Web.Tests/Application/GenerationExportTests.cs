using System.Text;
using System.Text.Json;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Web.Application.Generate;

namespace SaeExplorer.Web.Tests.Application;

public sealed class GenerationExportTests
{
    /// <summary>" a 🦘." as Llama 3 splits it: the emoji's four UTF-8 bytes over three tokens.</summary>
    private static AnswerRecord Answer()
    {
        byte[] emoji = Encoding.UTF8.GetBytes("🦘");
        byte[]?[] bytes = [" a"u8.ToArray(), emoji[..2], emoji[2..3], emoji[3..], "."u8.ToArray()];
        var pieces = TokenPieces.Of(bytes, _ => "");
        return new AnswerRecord(AnswerSide.Baseline, [264, 11410, 99, 246, 13], pieces, new FinishedAnswer("eos", 12, 0.5, []), null);
    }

    [Fact]
    public void An_answer_with_a_character_split_over_tokens_exports_its_own_text()
    {
        // Each piece decoded alone gives U+FFFD; the export carries the characters (#14 A13).
        var json = GenerationExport.Json("p", new DecodingOptions(8), [], InterventionScope.All, [Answer()]);
        using var doc = JsonDocument.Parse(json.Content);
        var answer = doc.RootElement.GetProperty("answers")[0];
        Assert.Equal(" a🦘.", answer.GetProperty("text").GetString());
        Assert.Equal(5, answer.GetProperty("token_ids").GetArrayLength());

        var md = Encoding.UTF8.GetString(GenerationExport.Markdown("p", new DecodingOptions(8), [], InterventionScope.All, [Answer()]).Content);
        Assert.Contains(">  a🦘.", md);
        Assert.DoesNotContain("\uFFFD", md);
    }
}
