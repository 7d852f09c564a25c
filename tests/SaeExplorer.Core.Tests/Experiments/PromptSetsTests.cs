using System.Text.Json;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Tests;

namespace SaeExplorer.Core.Tests.Experiments;

public sealed class PromptSetsTests
{
    private static string UserMessage(IReadOnlyList<ExperimentPrompt> prompts, string id) =>
        prompts.Single(p => p.Id == id).Messages.Single(m => m.Role == "user").Content;

    [Fact]
    public void BuiltIn_has_six_conditions_fifty_distinct_topics_and_300_unique_prompts()
    {
        var set = PromptSets.BuiltIn();
        Assert.Equal(["standard", "padding", "spaces", "novice", "expert", "guru"], set.Conditions.Select(c => c.Name));
        Assert.Equal(50, set.Topics.Count);
        Assert.Equal(50, set.Topics.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("how vaccines work", set.Topics);
        Assert.Contains("black holes", set.Topics);
        Assert.Contains("how a compiler works", set.Topics);
        Assert.Contains("the causes of the French Revolution", set.Topics);
        Assert.Contains("how bread rises", set.Topics);

        var prompts = PromptSets.Expand(set);
        Assert.Equal(300, prompts.Count);
        Assert.Equal(300, prompts.Select(p => p.Id).Distinct(StringComparer.Ordinal).Count());
        // Condition-major: the first 50 are all "standard", in topic order.
        Assert.All(prompts.Take(50), p => Assert.Equal("standard", p.Condition));
        Assert.Equal(set.Topics, prompts.Take(50).Select(p => p.Topic));
        Assert.Equal("guru", prompts[250].Condition);
        Assert.Equal("standard/how-vaccines-work", prompts[0].Id);
        Assert.All(prompts, p => Assert.Equal(["user"], p.Messages.Select(m => m.Role)));
        Assert.All(prompts, p => Assert.DoesNotContain("{topic}", p.Messages[0].Content));
    }

    [Fact]
    public void BuiltIn_renders_the_golden_reference_prompts_exactly()
    {
        var prompts = PromptSets.Expand(PromptSets.BuiltIn());
        Assert.Equal("Explain how vaccines work.", UserMessage(prompts, "standard/how-vaccines-work"));
        Assert.Equal(
            "Please kindly note that, as previously mentioned, and for the avoidance of any doubt whatsoever, I would like to ask the following question. Explain how vaccines work.",
            UserMessage(prompts, "padding/how-vaccines-work"));
        Assert.Equal("Explain how vaccines work." + new string(' ', 30) + ".", UserMessage(prompts, "spaces/how-vaccines-work"));
        Assert.Equal("Explain how vaccines work to a novice.", UserMessage(prompts, "novice/how-vaccines-work"));
        Assert.Equal("Explain how vaccines work to an expert.", UserMessage(prompts, "expert/how-vaccines-work"));
        Assert.Equal(
            "You are Richard Feynman, the legendary physicist and teacher. Explain how vaccines work.",
            UserMessage(prompts, "guru/how-vaccines-work"));
        Assert.Equal("Explain black holes to a novice.", UserMessage(prompts, "novice/black-holes"));
        Assert.Equal("Explain black holes to an expert.", UserMessage(prompts, "expert/black-holes"));
    }

    [Fact]
    public void BuiltIn_user_messages_appear_verbatim_in_the_transformers_goldens()
    {
        // The goldens were rendered by transformers from these exact strings; a drift here would make the seed
        // design's prompts differ from the ones the capture engine was verified on.
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.GoldenCaptureJson));
        var goldenUserMessages = doc.RootElement.GetProperty("prompts").EnumerateArray()
            .SelectMany(p => p.GetProperty("messages").EnumerateArray())
            .Where(m => m.GetProperty("role").GetString() == "user")
            .Select(m => m.GetProperty("content").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
        var prompts = PromptSets.Expand(PromptSets.BuiltIn());
        foreach (var id in new[] { "standard", "padding", "spaces", "novice", "expert", "guru" }.Select(c => c + "/how-vaccines-work")
                     .Concat(["novice/black-holes", "expert/black-holes"]))
            Assert.Contains(UserMessage(prompts, id), goldenUserMessages);
    }

    [Fact]
    public void BuiltIn_resource_is_the_shipped_file_and_is_copied_next_to_the_binary()
    {
        var source = Path.Combine(FixturePaths.RepoRoot, "src", "SaeExplorer.Core", PromptSets.BuiltInRelativePath);
        Assert.Equal(File.ReadAllText(source), PromptSets.BuiltInJson());
        var copied = Path.Combine(AppContext.BaseDirectory, PromptSets.BuiltInRelativePath);
        Assert.Equal(File.ReadAllText(source), File.ReadAllText(copied));
        // The shipped file is exactly what Save writes, so a user's saved copy diffs cleanly against it.
        Assert.Equal(PromptSets.BuiltInJson(), PromptSets.ToJson(PromptSets.BuiltIn()));
    }

    [Fact]
    public void Save_then_Load_round_trips_every_field()
    {
        var set = new PromptSet("mine", "a test design", [
            new Condition("plain", "Explain {topic}.", "the baseline"),
            new Condition("pirate", "Arr, explain {topic}, matey! Then {topic} again.", null, "You're a pirate — \"always\"."),
        ], ["how tides work", "l'art du café"]);
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir.Path, "sub", "mine.json");
        PromptSets.Save(set, path);
        var loaded = PromptSets.Load(path);

        Assert.Equal(set.Name, loaded.Name);
        Assert.Equal(set.Description, loaded.Description);
        Assert.Equal(set.Conditions, loaded.Conditions);
        Assert.Equal(set.Topics, loaded.Topics);
        Assert.Contains("l'art du café", File.ReadAllText(path));
        Assert.DoesNotContain("system_prompt", File.ReadAllText(path).Split("\"pirate\"")[0]);
    }

    [Fact]
    public void Expand_adds_the_system_prompt_and_substitutes_every_placeholder()
    {
        var set = new PromptSet("s", "", [
            new Condition("plain", "Explain {topic}."),
            new Condition("sys", "{topic}? Explain {topic}.", SystemPrompt: "Be brief."),
        ], ["Black holes", "C++ templates (advanced)"]);
        var prompts = PromptSets.Expand(set);

        Assert.Equal(["plain/black-holes", "plain/c-templates-advanced", "sys/black-holes", "sys/c-templates-advanced"], prompts.Select(p => p.Id));
        Assert.Equal("Explain Black holes.", prompts[0].Messages.Single().Content);
        Assert.Equal(("system", "Be brief."), (prompts[3].Messages[0].Role, prompts[3].Messages[0].Content));
        Assert.Equal(("user", "C++ templates (advanced)? Explain C++ templates (advanced)."), (prompts[3].Messages[1].Role, prompts[3].Messages[1].Content));
        Assert.Equal("sys", prompts[3].Condition);
        Assert.Equal("C++ templates (advanced)", prompts[3].Topic);
    }

    [Theory]
    [InlineData("how vaccines work", "how-vaccines-work")]
    [InlineData("  The causes of World War I!  ", "the-causes-of-world-war-i")]
    [InlineData("how DNA stores genetic information", "how-dna-stores-genetic-information")]
    [InlineData("public-key / RSA -- 2048 bits", "public-key-rsa-2048-bits")]
    [InlineData("l'art du café", "l-art-du-caf")]
    [InlineData("???", "")]
    public void Slug_keeps_lowercase_ascii_letters_and_digits_and_joins_the_rest_with_single_dashes(string topic, string slug) =>
        Assert.Equal(slug, PromptSets.Slug(topic));

    [Fact]
    public void Parse_tolerates_unknown_keys_and_a_missing_description()
    {
        var set = PromptSets.Parse("""
            {"name": "n", "notes": "free text", "conditions": [{"name": "a", "template": "Explain {topic}.", "colour": 3}],
             "topics": ["x"], "version": 2}
            """, "n.json");
        Assert.Equal("", set.Description);
        Assert.Equal(new Condition("a", "Explain {topic}."), set.Conditions.Single());
    }

    public static TheoryData<string, string> InvalidSets => new()
    {
        { "{not json", "not valid JSON" },
        { "[1]", "expected a JSON object" },
        { """{"conditions": [{"name": "a", "template": "{topic}"}], "topics": ["x"]}""", "the prompt set is missing \"name\"" },
        { """{"name": "n", "topics": ["x"]}""", "missing \"conditions\"" },
        { """{"name": "n", "conditions": [], "topics": ["x"]}""", "\"conditions\" is empty" },
        { """{"name": "n", "conditions": [{"name": "a"}], "topics": ["x"]}""", "condition 1 is missing \"template\"" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}, {"template": "{topic}"}], "topics": ["x"]}""", "condition 2 is missing \"name\"" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}", "system_prompt": 1}], "topics": ["x"]}""", "\"system_prompt\" of condition 1 must be a string" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}, {"name": "a", "template": "Explain {topic}."}], "topics": ["x"]}""", "condition name 'a' is used twice" },
        { """{"name": "n", "conditions": [{"name": "a b", "template": "{topic}"}], "topics": ["x"]}""", "condition name 'a b' must be non-empty and use only letters" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "Explain {Topic}."}], "topics": ["x"]}""", "the template of condition 'a' has no {topic} placeholder" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}]}""", "missing \"topics\"" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": []}""", "\"topics\" is empty" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": ["x", 3]}""", "topic 2 must be a string, not number" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": ["x", " "]}""", "topic 2 is empty" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": ["x", "y", "x"]}""", "topic 'x' is listed twice" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": ["C++", "C"]}""", "topics 'C++' and 'C' both give the id slug 'c'" },
        { """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": ["¿?"]}""", "topic '¿?' has no ASCII letters or digits" },
        { $$"""{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": ["x", "{{new string('w', 320_000)}}"]}""", "topic 2 has 320,000 characters; a topic is a phrase of at most 1,000" },
        { $$"""{"name": "n", "conditions": [{"name": "a", "template": "{{new string('t', 20_001)}} {topic}"}], "topics": ["x"]}""", "the template of condition 'a' has 20,009 characters; templates are at most 20,000" },
        { TwoConditions(string.Join(",", Enumerable.Range(0, 50_001).Select(i => "\"t" + i + "\""))), "2 conditions × 50,001 topics is 100,002 prompts; a set is at most 100,000" },
    };

    private static string TwoConditions(string topics) =>
        "{\"name\": \"n\", \"conditions\": [{\"name\": \"a\", \"template\": \"{topic}\"}, {\"name\": \"b\", \"template\": \"{topic}\"}], \"topics\": [" + topics + "]}";

    [Theory]
    [MemberData(nameof(InvalidSets))]
    public void Parse_rejects_invalid_sets_naming_the_source_and_the_problem(string json, string problem)
    {
        var e = Assert.Throws<PromptSetException>(() => PromptSets.Parse(json, "designs/bad.json"));
        Assert.StartsWith("designs/bad.json: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Load_names_a_missing_file()
    {
        var e = Assert.Throws<PromptSetException>(() => PromptSets.Load("/nonexistent/design.json"));
        Assert.Equal("/nonexistent/design.json: prompt set file not found.", e.Message);
    }

    [Fact]
    public void Load_prefixes_errors_with_the_file_path()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir.Path, "dup.json");
        File.WriteAllText(path, """{"name": "n", "conditions": [{"name": "a", "template": "{topic}"}], "topics": ["x", "x"]}""");
        var e = Assert.Throws<PromptSetException>(() => PromptSets.Load(path));
        Assert.Equal($"{path}: topic 'x' is listed twice; topics must be unique.", e.Message);
    }

    [Fact]
    public void Expand_and_Save_reject_a_set_built_in_code_whose_ids_collide()
    {
        var set = new PromptSet("code", "", [new Condition("a", "Explain {topic}.")], ["Black holes", "black holes!"]);
        var e = Assert.Throws<PromptSetException>(() => PromptSets.Expand(set));
        Assert.Equal("prompt set 'code': topics 'Black holes' and 'black holes!' both give the id slug 'black-holes'; prompt ids must be unique, so reword one of them.", e.Message);

        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir.Path, "code.json");
        Assert.Throws<PromptSetException>(() => PromptSets.Save(set, path));
        Assert.False(File.Exists(path));
    }
}
