using SaeExplorer.Core.Errors;
namespace SaeExplorer.Inference.Loading;

/// <summary>
/// A model or SAE file that cannot be used as it is. The message always names the file (and the tensor, where one
/// is involved) and says what to do, because the user's only remedy is to fix or re-download that file.
/// </summary>
public sealed class CheckpointException : Exception, IUserError
{
    public CheckpointException(string file, string? tensor, string problem, Exception? inner = null)
        : base(Compose(file, tensor, problem), inner)
    {
        File = file;
        Tensor = tensor;
    }

    public string File { get; }
    public string? Tensor { get; }

    private static string Compose(string file, string? tensor, string problem) =>
        tensor is null ? $"{file}: {problem}" : $"{file}: tensor '{tensor}': {problem}";
}
