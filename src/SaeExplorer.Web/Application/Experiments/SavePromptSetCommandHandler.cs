using Mediator;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Experiments;

public sealed class SavePromptSetCommandHandler(RunCatalog runs) : IRequestHandler<SavePromptSetCommand, SavePromptSetResult>
{
    /// <summary>What validation messages call the form (they name their source, like a file's errors name the file).</summary>
    public const string SourceName = "the new prompt set";

    public ValueTask<SavePromptSetResult> Handle(SavePromptSetCommand request, CancellationToken cancellationToken)
    {
        var draft = request.Draft;
        var set = new PromptSet(
            draft.Name.Trim(),
            draft.Description.Trim(),
            draft.Conditions.Select(c => new Condition(c.Name.Trim(), c.Template, SystemPrompt: string.IsNullOrWhiteSpace(c.SystemPrompt) ? null : c.SystemPrompt)).ToList(),
            draft.Topics.Split('\n').Select(t => t.Trim()).Where(t => t.Length > 0).ToList());
        return ValueTask.FromResult(Save(runs, () => PromptSets.ToJson(Validated(set)), SourceName));
    }

    private static PromptSet Validated(PromptSet set)
    {
        PromptSets.Validate(set, SourceName);
        return set;
    }

    /// <summary>Saves through the catalog, turning the refusals a user can fix into messages.</summary>
    internal static SavePromptSetResult Save(RunCatalog runs, Func<string> json, string sourceName)
    {
        try
        {
            return new SavePromptSetResult(runs.SavePromptSet(json(), sourceName), null);
        }
        catch (Exception e) when (e is PromptSetException or ArgumentException or StoreException)
        {
            return SavePromptSetResult.Refused(e.Message);
        }
    }
}
