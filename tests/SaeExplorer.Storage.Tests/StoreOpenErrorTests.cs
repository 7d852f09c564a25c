using LiteDB;
using SaeExplorer.Storage.Testing;
using SaeExplorer.Tests;

namespace SaeExplorer.Storage.Tests;

/// <summary>Files the store must refuse, each with one line naming the file and what to do — and left untouched.</summary>
public sealed class StoreOpenErrorTests
{
    private static StoreException AssertRefusedUntouched(string path, params string[] fragments)
    {
        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<StoreException>(() => FeatureStore.Open(path));
        Assert.Equal(path, ex.StorePath);
        Assert.Contains(path, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, ex.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        return ex;
    }

    private static string StoreWithPrompts(TempDirectory tmp, int count)
    {
        string path = Path.Combine(tmp.Path, "features.db");
        using var store = FeatureStore.Open(path);
        for (int i = 0; i < count; i++)
            store.Put(SyntheticPrompts.Key(i), SyntheticPrompts.Prompt(i));
        return path;
    }

    [Fact]
    public void A_directory_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();

        var ex = Assert.Throws<StoreException>(() => FeatureStore.Open(tmp.Path));

        Assert.Contains($"{tmp.Path} is a directory", ex.Message);
        Assert.Contains("as the store", ex.Message);
        Assert.DoesNotContain("--store", ex.Message);
    }

    [Fact]
    public void Random_bytes_are_not_a_store()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "random.db");
        var bytes = new byte[3 * 8192];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        AssertRefusedUntouched(path, "not a saex feature store", "not a LiteDB database", "give a new store file");
    }

    [Fact]
    public void A_text_file_is_not_a_store()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "notes.txt");
        File.WriteAllText(path, "prompt,condition\nhello,plain\n");

        AssertRefusedUntouched(path, "not a saex feature store", "not a LiteDB database");
    }

    [Theory]
    [InlineData(8192 * 20 + 1000)] // mid-page
    [InlineData(8192 * 20)] // on a page boundary: the header still names later pages
    [InlineData(5000)] // inside the header page
    public void A_truncated_store_is_refused(int keptBytes)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = StoreWithPrompts(tmp, 40);
        Assert.True(new FileInfo(path).Length > 8192 * 100);
        using (var stream = new FileStream(path, FileMode.Open))
            stream.SetLength(keptBytes);

        var ex = Assert.Throws<StoreException>(() => FeatureStore.Open(path));

        Assert.Contains(path, ex.Message);
        Assert.True(ex.Message.Contains("truncated or corrupted") || ex.Message.Contains("not a LiteDB database"), ex.Message);
    }

    [Fact]
    public void Overwritten_pages_surface_as_store_errors()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = StoreWithPrompts(tmp, 40);
        var garbage = new byte[8192 * 30];
        new Random(2).NextBytes(garbage);
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.Position = 8192 * 60;
            stream.Write(garbage);
        }

        var ex = Assert.Throws<StoreException>(() =>
        {
            using var store = FeatureStore.Open(path);
            for (int i = 0; i < 40; i++)
                store.TryGet(SyntheticPrompts.Key(i), out _);
        });

        Assert.Contains(path, ex.Message);
        Assert.Contains("delete", ex.Message);
    }

    [Fact]
    public void Someone_elses_LiteDB_database_is_refused()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "shop.db");
        using (var db = new LiteDatabase($"Filename={path};Connection=direct"))
            db.GetCollection("customers").Insert(new BsonDocument { ["name"] = "Ada" });

        AssertRefusedUntouched(path, "is a LiteDB database but not a saex feature store", "customers");
    }

    [Theory]
    [InlineData("other.format", 1, "not a saex feature store")]
    [InlineData("saex.store", 99, "newer saex")]
    public void A_foreign_or_newer_meta_document_is_refused(string format, int schema, string fragment)
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        using (var db = new LiteDatabase($"Filename={path};Connection=direct"))
            db.GetCollection("meta").Insert(new BsonDocument { ["_id"] = "store", ["format"] = format, ["schema_version"] = schema });

        AssertRefusedUntouched(path, fragment);
    }

    [Fact]
    public void An_empty_file_becomes_a_new_store()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "features.db");
        File.WriteAllBytes(path, []);

        using (var store = FeatureStore.Open(path))
            store.Put("k", SyntheticPrompts.Prompt(0, tokens: 2, activePerToken: 3));

        using var reopened = FeatureStore.Open(path);
        Assert.Equal(1, reopened.PromptCount);
    }
}

public sealed class ZeroedPageTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_zeroed_page_is_a_store_error_naming_the_file_not_a_crash(int page)
    {
        using var tmp = SaeExplorer.Tests.FixturePaths.NewTempDirectory();
        var path = Path.Combine(tmp.Path, "features.db");
        using (var store = FeatureStore.Open(path))
        {
            for (int i = 0; i < 20; i++)
                store.SetLabel(new FeatureLabel("sae", i, $"label {i}", new string('n', 500), DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000)));
        }
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            Assert.True(fs.Length >= (page + 1) * 8192L);
            fs.Position = page * 8192L;
            fs.Write(new byte[8192]);
        }
        var e = Record.Exception(() =>
        {
            using var store = FeatureStore.Open(path);
            store.Labels("sae");
            for (int i = 0; i < 20; i++)
                store.GetLabel("sae", i);
        });
        Assert.True(e is null or StoreException, $"{e?.GetType().Name}: {e?.Message}");
        if (e is not null)
            Assert.Contains(path, e.Message);
    }
}
