using System.Text.Json.Serialization;
using SaeExplorer.Core.Experiments;

namespace SaeExplorer.Core.Json;

/// <summary>A prompt-set file (see <see cref="PromptSets"/>); a condition's optional keys are left out when unset.</summary>
internal sealed record PromptSetJson(string Name, string Description, IReadOnlyList<PromptSetConditionJson> Conditions, IReadOnlyList<string> Topics)
{
    public static PromptSetJson From(PromptSet set) =>
        new(set.Name, set.Description, set.Conditions.Select(c => new PromptSetConditionJson(c.Name, c.Template, c.Description, c.SystemPrompt)).ToArray(), set.Topics);
}

internal sealed record PromptSetConditionJson(
    string Name,
    string Template,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SystemPrompt);
