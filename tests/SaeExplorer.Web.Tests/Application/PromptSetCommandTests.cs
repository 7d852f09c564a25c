using Microsoft.Extensions.Logging.Abstractions;
using SaeExplorer.Inference.Live;
using SaeExplorer.Storage;
using SaeExplorer.Tests;
using SaeExplorer.Web.Application.Experiments;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>Creating and importing prompt sets through the handlers, against a real store (no model is needed).</summary>
public sealed class PromptSetCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly LiveModelService _models = new();
    private readonly FeatureStore _store;
    private readonly RunCatalog _catalog;

    public PromptSetCommandTests()
    {
        _store = FeatureStore.Open(Path.Combine(_directory.Path, "saex.db"));
        _catalog = new RunCatalog(_models, _store, NullLogger<RunCatalog>.Instance);
    }

    private static PromptSetDraft Draft(string name = "two-styles", string topics = "owls\n  rivers \n\ncomets\n", params ConditionDraft[] conditions) =>
        new(name, "a small test set", conditions.Length > 0 ? conditions : [new("plain", "Tell me about {topic}."), new("brief", "{topic}, in one line?", "  ")], topics);

    private Task<SavePromptSetResult> SaveAsync(PromptSetDraft draft) =>
        new SavePromptSetCommandHandler(_catalog).Handle(new SavePromptSetCommand(draft), CancellationToken.None).AsTask();

    public static TheoryData<PromptSetDraft, string> Invalid => new()
    {
        { Draft(conditions: [new("plain", "Tell me about topics.")]), "the new prompt set: the template of condition 'plain' has no {topic} placeholder" },
        { Draft(conditions: [new("plain", "{topic}?"), new("plain", "{topic}!")]), "the new prompt set: condition name 'plain' is used twice" },
        { Draft(conditions: [new("two words", "{topic}?")]), "the new prompt set: condition name 'two words' must be non-empty and use only letters" },
        { Draft(topics: "\n  \n"), "the new prompt set: \"topics\" is empty" },
        { Draft(topics: "owls\nOwls!"), "topics 'owls' and 'Owls!' both give the id slug 'owls'" },
        { Draft(name: "  "), "the new prompt set: the prompt set needs a non-empty \"name\"" },
        { Draft(name: "seed-styles"), "'seed-styles' is the built-in prompt set's name" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task An_invalid_form_is_refused_with_the_validators_message_and_nothing_is_saved(PromptSetDraft draft, string message)
    {
        var result = await SaveAsync(draft);

        Assert.Null(result.Saved);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Empty(_store.ListExperiments());
    }

    [Fact]
    public async Task A_valid_form_is_saved_trimmed_and_listed_after_the_built_in_set()
    {
        var result = await SaveAsync(Draft());

        Assert.Null(result.Error);
        var saved = Assert.IsType<Core.Experiments.PromptSet>(result.Saved);
        Assert.Equal(["owls", "rivers", "comets"], saved.Topics);
        Assert.Null(saved.Conditions[1].SystemPrompt);
        var sets = await new ListPromptSetsQueryHandler(_catalog).Handle(new ListPromptSetsQuery(), CancellationToken.None);
        Assert.Equal(["seed-styles", "two-styles"], sets.Select(s => s.Name));
        Assert.True(sets[0].IsBuiltIn);
        Assert.Equal((6, 50, 300), (sets[0].ConditionCount, sets[0].TopicCount, sets[0].PromptCount));
        Assert.Equal((2, 3, 6), (sets[1].ConditionCount, sets[1].TopicCount, sets[1].PromptCount));
    }

    [Fact]
    public async Task Another_set_under_a_taken_name_is_refused()
    {
        Assert.NotNull((await SaveAsync(Draft())).Saved);

        var result = await SaveAsync(Draft(topics: "glaciers"));

        Assert.Null(result.Saved);
        Assert.Contains("already has an experiment 'two-styles' with a different prompt set", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_malformed_json_names_the_file()
    {
        var handler = new ImportPromptSetCommandHandler(_catalog);

        var broken = await handler.Handle(new ImportPromptSetCommand("broken.json", "{\"name\": \"x\", \"conditions\": ["), CancellationToken.None);
        var incomplete = await handler.Handle(new ImportPromptSetCommand("no-topics.json", "{\"name\": \"x\", \"conditions\": [{\"name\": \"a\", \"template\": \"{topic}\"}]}"), CancellationToken.None);

        Assert.StartsWith("broken.json: not valid JSON", broken.Error, StringComparison.Ordinal);
        Assert.Equal("no-topics.json: missing \"topics\" (an array of strings).", incomplete.Error);
        Assert.Empty(_store.ListExperiments());
    }

    [Fact]
    public async Task Starting_a_run_without_a_model_says_so()
    {
        var result = await new StartRunCommandHandler(_catalog).Handle(new StartRunCommand("seed-styles", Core.Features.PoolingMethod.User, "auto"), CancellationToken.None);

        Assert.Null(result.RunId);
        Assert.StartsWith("no model is loaded yet", result.Error, StringComparison.Ordinal);
        Assert.False(await new CancelRunCommandHandler(_catalog).Handle(new CancelRunCommand("run-that-is-not-running"), CancellationToken.None));
    }

    public void Dispose()
    {
        _store.Dispose();
        _models.Dispose();
        _directory.Dispose();
    }
}
