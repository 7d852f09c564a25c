using SaeExplorer.Tests;

namespace SaeExplorer.Storage.Tests;

public sealed class FeatureLabelTests
{
    private const string Sae = "sae-fingerprint-a";
    private const string OtherSae = "sae-fingerprint-b";

    private static readonly DateTimeOffset When = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_123);

    [Fact]
    public void A_label_round_trips_and_an_unknown_one_is_null()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));

        Assert.Null(store.GetLabel(Sae, 12));
        store.SetLabel(new FeatureLabel(Sae, 12, "politeness", "fires on 'please'", When));

        Assert.Equal(new FeatureLabel(Sae, 12, "politeness", "fires on 'please'", When), store.GetLabel(Sae, 12));
        Assert.Null(store.GetLabel(Sae, 13));
    }

    [Fact]
    public void Setting_again_updates_in_place()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));

        store.SetLabel(new FeatureLabel(Sae, 7, "first", "a", When));
        store.SetLabel(new FeatureLabel(Sae, 7, "second", "b", When.AddMinutes(1)));

        Assert.Equal(new FeatureLabel(Sae, 7, "second", "b", When.AddMinutes(1)), store.GetLabel(Sae, 7));
        Assert.Single(store.Labels(Sae));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("   ", "\t")]
    public void An_empty_label_and_notes_delete_it(string label, string notes)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));
        store.SetLabel(new FeatureLabel(Sae, 3, "x", "y", When));

        store.SetLabel(new FeatureLabel(Sae, 3, label, notes, When));

        Assert.Null(store.GetLabel(Sae, 3));
        Assert.Empty(store.Labels(Sae));
    }

    [Fact]
    public void Notes_alone_keep_the_entry()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));

        store.SetLabel(new FeatureLabel(Sae, 3, "", "unclear yet", When));

        Assert.Equal("unclear yet", store.GetLabel(Sae, 3)!.Notes);
        Assert.Equal("", store.GetLabel(Sae, 3)!.Label);
    }

    [Fact]
    public void Labels_belong_to_one_SAE_fingerprint()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));

        store.SetLabel(new FeatureLabel(Sae, 5, "for A", "", When));
        store.SetLabel(new FeatureLabel(OtherSae, 5, "for B", "", When));
        store.SetLabel(new FeatureLabel(OtherSae, 6, "also B", "", When));

        Assert.Equal("for A", store.GetLabel(Sae, 5)!.Label);
        Assert.Equal("for B", store.GetLabel(OtherSae, 5)!.Label);
        Assert.Equal([5], store.Labels(Sae).Keys.Order());
        Assert.Equal([5, 6], store.Labels(OtherSae).Keys.Order());
        Assert.Empty(store.Labels("sae-never-labelled"));
    }

    [Fact]
    public void Import_sets_labels_keeps_existing_notes_and_leaves_other_features_alone()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));
        store.SetLabel(new FeatureLabel(Sae, 1, "old", "keep these notes", When));
        store.SetLabel(new FeatureLabel(Sae, 2, "untouched", "n", When));

        int count = store.ImportLabels(Sae, [(1, "new"), (9, "fresh")]);

        Assert.Equal(2, count);
        var one = store.GetLabel(Sae, 1)!;
        Assert.Equal(("new", "keep these notes"), (one.Label, one.Notes));
        Assert.True(one.UpdatedAt > When);
        Assert.Equal(("fresh", ""), (store.GetLabel(Sae, 9)!.Label, store.GetLabel(Sae, 9)!.Notes));
        Assert.Equal(new FeatureLabel(Sae, 2, "untouched", "n", When), store.GetLabel(Sae, 2));
        Assert.Null(store.GetLabel(OtherSae, 1));
    }

    [Fact]
    public void Labels_survive_reopening()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "labels.db");
        using (var store = FeatureStore.Open(path))
        {
            store.SetLabel(new FeatureLabel(Sae, 40, "reopened", "still here", When));
            store.ImportLabels(Sae, [(41, "imported")]);
        }

        using (var store = FeatureStore.Open(path))
        {
            Assert.Equal(new FeatureLabel(Sae, 40, "reopened", "still here", When), store.GetLabel(Sae, 40));
            Assert.Equal("imported", store.GetLabel(Sae, 41)!.Label);
            Assert.Equal([40, 41], store.Labels(Sae).Keys.Order());
        }
    }

    [Fact]
    public void A_negative_feature_or_blank_fingerprint_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));

        Assert.Throws<ArgumentOutOfRangeException>(() => store.SetLabel(new FeatureLabel(Sae, -1, "x", "", When)));
        Assert.Throws<ArgumentException>(() => store.SetLabel(new FeatureLabel(" ", 1, "x", "", When)));
    }
}

public sealed class FeatureLabelLimitTests
{
    [Fact]
    public void Labels_and_notes_are_capped_and_an_import_with_a_long_one_writes_nothing()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "labels.db"));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);
        store.SetLabel(new FeatureLabel("sae", 1, new string('a', FeatureLabel.MaxLabelLength), new string('n', FeatureLabel.MaxNotesLength), now));
        var label = Assert.Throws<ArgumentException>(() => store.SetLabel(new FeatureLabel("sae", 2, new string('a', 7_000_000), "", now)));
        Assert.Equal("the label of feature 2 has 7,000,000 characters; a label is at most 500 (put the rest in the notes).", label.Message);
        Assert.Throws<ArgumentException>(() => store.SetLabel(new FeatureLabel("sae", 2, "x", new string('n', FeatureLabel.MaxNotesLength + 1), now)));
        Assert.Throws<ArgumentException>(() => store.ImportLabels("sae", [(3, "fine"), (4, new string('b', 501))]));
        Assert.Equal([1], store.Labels("sae").Keys);
    }
}
