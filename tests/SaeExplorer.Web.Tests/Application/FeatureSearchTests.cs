using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Features;

namespace SaeExplorer.Web.Tests.Application;

public sealed class FeatureSearchTests
{
    private static readonly DateTimeOffset When = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static readonly Dictionary<int, FeatureLabel> Labels = new[]
    {
        new FeatureLabel("sae", 40, "novice register", "fires on plain words", When),
        new FeatureLabel("sae", 7, "code blocks", "also on novice questions about code", When),
        new FeatureLabel("sae", 12, "", "seems to track the expert persona", When),
        new FeatureLabel("sae", 3, "Expert jargon", "", When),
    }.ToDictionary(l => l.Feature);

    [Fact]
    public void An_index_finds_that_feature_labelled_or_not_and_nothing_outside_the_sae()
    {
        Assert.Equal([new FeatureChoice(40, "novice register")], FeatureSearch.Find(Labels, 100, "40", 12));
        Assert.Equal([new FeatureChoice(41, null)], FeatureSearch.Find(Labels, 100, " #41 ", 12));
        Assert.Equal([new FeatureChoice(12, null)], FeatureSearch.Find(Labels, 100, "12", 12));
        Assert.Empty(FeatureSearch.Find(Labels, 100, "100", 12));
        Assert.Empty(FeatureSearch.Find(Labels, 100, "-1", 12));
        Assert.Empty(FeatureSearch.Find(Labels, 100, "  ", 12));
    }

    [Fact]
    public void Words_match_labels_and_notes_case_blind_label_matches_first()
    {
        // "novice" is in 40's label and in 7's notes: the label match comes first although 7 is the lower index.
        Assert.Equal([40, 7], FeatureSearch.Find(Labels, 100, "NOVICE", 12).Select(c => c.Feature));
        // Every word must be somewhere: "expert persona" only in 12's notes; "expert" alone also in 3's label.
        Assert.Equal([12], FeatureSearch.Find(Labels, 100, "expert persona", 12).Select(c => c.Feature));
        Assert.Equal([3, 12], FeatureSearch.Find(Labels, 100, "expert", 12).Select(c => c.Feature));
        // Words may be split between the label and the notes.
        Assert.Equal([7], FeatureSearch.Find(Labels, 100, "code questions", 12).Select(c => c.Feature));
        Assert.Equal([3], FeatureSearch.Find(Labels, 100, "expert", 1).Select(c => c.Feature));
        Assert.Empty(FeatureSearch.Find(Labels, 100, "nothing like this", 12));
    }
}
