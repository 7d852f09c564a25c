using SaeExplorer.Web.Application.Features;

namespace SaeExplorer.Web.Tests.Application;

public sealed class LabelImportTests
{
    [Fact]
    public void A_valid_file_gives_its_labels_in_order_trimmed_and_ignores_other_keys()
    {
        var labels = LabelImport.Parse("""[{"index": 12, "label": " questions "}, {"index": 0, "label": "", "source": "auto"}, {"label": "x", "index": 4095}]""", 4096);

        Assert.Equal([(12, "questions"), (0, ""), (4095, "x")], labels);
    }

    [Fact]
    public void An_empty_array_is_no_labels()
    {
        Assert.Empty(LabelImport.Parse("[]", 10));
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "{\"index\": 1", "the file is not JSON" },
        { "index,label\n1,x", "the file is not JSON" },
        { """{"index": 1, "label": "x"}""", "must be a JSON array" },
        { "\"labels\"", "but it is a string" },
        { """[{"index": 1, "label": "x"}, 5]""", "entry 2 is a number, not an object" },
        { """[{"label": "x"}]""", "entry 1 has no \"index\"" },
        { """[{"index": "3", "label": "x"}]""", "entry 1: \"index\" must be a whole number, not \"3\"" },
        { """[{"index": 1.5, "label": "x"}]""", "entry 1: \"index\" must be a whole number, not 1.5" },
        { """[{"index": -1, "label": "x"}]""", "entry 1: index -1 is out of range 0..9 (the loaded SAE has 10 latents)" },
        { """[{"index": 10, "label": "x"}]""", "entry 1: index 10 is out of range 0..9" },
        { """[{"index": 4, "label": "x"}, {"index": 5, "label": "y"}, {"index": 4, "label": "z"}]""", "entry 3: index 4 is a duplicate of entry 1" },
        { """[{"index": 4}]""", "entry 1 (index 4) has no \"label\" string" },
        { """[{"index": 4, "label": null}]""", "entry 1 (index 4) has no \"label\" string" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_file_is_refused_with_a_message_naming_the_problem(string json, string message)
    {
        var e = Assert.Throws<LabelImportException>(() => LabelImport.Parse(json, 10));
        Assert.Contains(message, e.Message);
    }
}
