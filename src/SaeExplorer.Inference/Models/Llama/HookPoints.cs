using System.Globalization;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>What a hook is told besides the activation: which point fired, and the batch it belongs to.</summary>
/// <param name="Point">the hook point that is running</param>
/// <param name="Batch">
/// the packed batch on the activation's device: row r of the activation is token r, and prompt p's tokens are rows
/// <c>Offsets[p]</c> to <c>Offsets[p + 1] - 1</c> (at <c>Positions</c> 0..<c>Lengths[p]</c> - 1), so an intervention
/// can act on some prompts or positions only
/// </param>
public sealed record HookContext(HookPoint Point, PackedBatch Batch);

/// <summary>
/// A function attached to a <see cref="HookPoint"/>. It returns null to observe, or a tensor that replaces the
/// activation from there on (an intervention), of the same shape, dtype and device.
/// <para>
/// The activation is freed after the next layer has run, so an observer that keeps it must copy or move it out of
/// the forward pass's dispose scope. A returned tensor belongs to the forward pass from then on (it is freed as the
/// activation would have been, and the replaced activation at once): return a new tensor, or the activation itself
/// after changing it in place, never a tensor kept elsewhere.
/// </para>
/// </summary>
public delegate Tensor? HookFunction(Tensor activation, HookContext context);

/// <summary>
/// A named place in the forward pass where activations can be read or replaced on their device without the model
/// knowing who listens (TransformerLens' <c>HookPoint</c>). Hooks run in the order they were attached, each seeing
/// the activation as the ones before it left it; a hook is attached until its handle is disposed.
/// </summary>
public sealed class HookPoint
{
    private Attachment[] _attached = [];

    internal HookPoint(string name) => Name = name;

    public string Name { get; }

    /// <summary>Attaches <paramref name="hook"/> until the returned handle is disposed.</summary>
    public IDisposable Attach(HookFunction hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var attachment = new Attachment(this, hook);
        _attached = [.. _attached, attachment];
        return attachment;
    }

    /// <summary>Runs the attached hooks on <paramref name="activation"/> and returns what flows on.</summary>
    /// <param name="batch">the batch on the activation's device</param>
    internal Tensor Run(Tensor activation, PackedBatch batch)
    {
        // A snapshot: a hook may dispose its own handle (or another's) while the hooks run.
        var attached = _attached;
        if (attached.Length == 0)
            return activation;
        var context = new HookContext(this, batch);
        foreach (var attachment in attached)
        {
            var replacement = attachment.Hook(activation, context);
            if (replacement is null || ReferenceEquals(replacement, activation))
                continue;
            CheckReplacement(activation, replacement);
            activation.Dispose();
            activation = replacement;
        }
        return activation;
    }

    private void CheckReplacement(Tensor activation, Tensor replacement)
    {
        if (!replacement.shape.SequenceEqual(activation.shape) || replacement.dtype != activation.dtype
            || replacement.device_type != activation.device_type || replacement.device_index != activation.device_index)
            throw new InvalidOperationException(
                $"a hook at {Name} returned a {replacement.dtype} tensor [{string.Join(", ", replacement.shape)}] on {replacement.device} " +
                $"in place of the {activation.dtype} activation [{string.Join(", ", activation.shape)}] on {activation.device}; a replacement must match it.");
    }

    private void Detach(Attachment attachment) => _attached = [.. _attached.Where(a => !ReferenceEquals(a, attachment))];

    private sealed class Attachment(HookPoint point, HookFunction hook) : IDisposable
    {
        public HookFunction Hook { get; } = hook;

        public void Dispose() => point.Detach(this);
    }
}

/// <summary>
/// The model's hook points, named as TransformerLens names them; activations are packed rows, one per token of the
/// batch (see <see cref="HookContext.Batch"/>):
/// <code>
/// hook_embed                   # [tokens, d_model] the token embeddings, the input of layer 0
/// blocks.{l}.hook_resid_post   # [tokens, d_model] what decoder layer l returns, for each loaded layer
/// </code>
/// A forward pass that stops at layer L does not reach the points of deeper layers: their hooks are not called.
/// </summary>
public sealed class HookPoints
{
    public const string EmbedName = "hook_embed";
    private const string BlocksPrefix = "blocks.";
    private const string ResidPostSuffix = ".hook_resid_post";

    private readonly HookPoint[] _residPost;
    private readonly Dictionary<string, HookPoint> _byName;

    internal HookPoints(int layerCount)
    {
        Embed = new HookPoint(EmbedName);
        _residPost = Enumerable.Range(0, layerCount).Select(l => new HookPoint(ResidPostName(l))).ToArray();
        _byName = _residPost.Prepend(Embed).ToDictionary(p => p.Name, StringComparer.Ordinal);
    }

    /// <summary>The name of layer <paramref name="layer"/>'s output: <c>blocks.{layer}.hook_resid_post</c>.</summary>
    public static string ResidPostName(int layer) => $"{BlocksPrefix}{layer.ToString(CultureInfo.InvariantCulture)}{ResidPostSuffix}";

    /// <summary><c>hook_embed</c>  # [tokens, d_model]</summary>
    public HookPoint Embed { get; }

    /// <summary><c>blocks.{layer}.hook_resid_post</c>  # [tokens, d_model]</summary>
    public HookPoint ResidPost(int layer) =>
        layer >= 0 && layer < _residPost.Length
            ? _residPost[layer]
            : throw new ArgumentOutOfRangeException(nameof(layer), layer, $"{ResidPostName(layer)}: {NotLoaded(layer)}");

    /// <summary>Every point, in the order the forward pass reaches them.</summary>
    public IReadOnlyList<string> Names => [EmbedName, .. _residPost.Select(p => p.Name)];

    public HookPoint this[string name]
    {
        get
        {
            if (_byName.TryGetValue(name, out var point))
                return point;
            if (name.StartsWith(BlocksPrefix, StringComparison.Ordinal) && name.EndsWith(ResidPostSuffix, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(BlocksPrefix.Length, name.Length - BlocksPrefix.Length - ResidPostSuffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
                throw new KeyNotFoundException($"{name}: {NotLoaded(layer)}");
            throw new KeyNotFoundException($"there is no hook point '{name}': the points are {EmbedName} and {BlocksPrefix}{{l}}{ResidPostSuffix} for each loaded layer l ({Loaded}).");
        }
    }

    private string Loaded => _residPost.Length == 0 ? "this instance holds no decoder layers" : $"this instance holds layers 0..{_residPost.Length - 1}";

    private string NotLoaded(int layer) => $"layer {layer} is not loaded ({Loaded})";
}
