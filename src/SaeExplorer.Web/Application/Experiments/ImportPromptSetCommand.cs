using Mediator;

namespace SaeExplorer.Web.Application.Experiments;

/// <summary>Saves a prompt set from an uploaded JSON file (the seed-styles format); errors name the file.</summary>
public sealed record ImportPromptSetCommand(string FileName, string Json) : IRequest<SavePromptSetResult>
{
    /// <summary>The largest file accepted: the built-in set is 3 kB, so this leaves room for thousands of topics.</summary>
    public const long MaxBytes = 1024 * 1024;
}
