using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>
/// Constrained decoding to JSON: a grammar compiled once from a JSON schema, or "any JSON object", from which each
/// sequence gets a <see cref="JsonConstraintState"/> that says which tokens may come next, so the finished text is
/// valid JSON (and valid UTF-8) matching the schema. Thread-safe; its only mutable part is a cache of the masks it has
/// computed, so keep one instance per schema (<see cref="FromResponseFormat"/> does) and share it across requests.
/// </summary>
/// <remarks>
/// <para>Output is compact: no whitespace between tokens, properties in the schema's declared order, keys and enum
/// strings written exactly as the schema spells them (raw UTF-8, only <c>"</c>, <c>\</c> and control characters
/// escaped). That keeps answers short and the grammar deterministic.</para>
/// <para>Termination: with <c>maxLength</c> on every string, <c>maxItems</c> on every array and integers (bounded to
/// ±(2^53 − 1) when the schema gives no bounds), every value the schema allows is finite, so decoding ends by itself.
/// An unbounded string or array, and json_object mode, can run on until the caller's max-tokens limit.</para>
/// <para>Supported schema subset: <c>type</c> (one name or a list, such as <c>["string","null"]</c>);
/// object with <c>properties</c>, <c>required</c> (optional properties may be left out) and <c>additionalProperties</c>
/// absent or false; an object without <c>properties</c> is any object; string with <c>minLength</c>, <c>maxLength</c>;
/// integer with <c>minimum</c>, <c>maximum</c>, <c>exclusiveMinimum</c>, <c>exclusiveMaximum</c> (only the integers in
/// range, no leading zeros); number (at most 16 digits before and after the point, two exponent digits; no bounds);
/// boolean; null; array with <c>items</c>, <c>minItems</c>, <c>maxItems</c>; <c>enum</c> and <c>const</c> of strings,
/// numbers, booleans and null; <c>anyOf</c>/<c>oneOf</c> whose alternatives begin with different characters;
/// <c>$ref</c> into the same document (<c>$defs</c>, <c>definitions</c>), not recursive; <c>{}</c> or <c>true</c>
/// is any value. Annotations (title, description, default, examples...) are ignored; any other keyword (pattern,
/// format, allOf...) is refused with a <see cref="NotSupportedException"/> that names it.</para>
/// </remarks>
public sealed class JsonConstraint
{
    /// <summary>How deep json_object mode (and a schema's untyped object or value) may nest objects and arrays.</summary>
    public const int DefaultMaxDepth = 8;

    /// <summary>Compiled response formats kept by <see cref="FromResponseFormat"/>, by their schema's JSON text.</summary>
    internal const int CompiledFormatCapacity = 16;

    private static readonly JsonConstraint DefaultAnyObject = new(AnyJson.Default.Object);

    private static readonly CompiledSchemaCache CompiledFormats = new(CompiledFormatCapacity);

    private readonly GrammarNode _root;

    // The masks computed so far, per vocabulary; an entry lives as long as its trie does (and this constraint).
    private readonly ConditionalWeakTable<TokenTrie, MaskCache>? _masks;
    private readonly int _maskCapacity;

    /// <param name="root">the compiled grammar</param>
    /// <param name="maskCapacity">how many masks to keep per vocabulary (<see cref="MaskCache"/>); 0 keeps none, so every mask walks the trie</param>
    internal JsonConstraint(GrammarNode root, int maskCapacity = MaskCache.DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maskCapacity);
        _root = root;
        _maskCapacity = maskCapacity;
        _masks = maskCapacity > 0 ? new() : null;
    }

    /// <summary>The mask cache of this constraint over <paramref name="vocabulary"/>, made on first use; null when caching is off.</summary>
    internal MaskCache? MasksFor(TokenTrie vocabulary) =>
        _masks?.GetValue(vocabulary, trie => new MaskCache(trie, _maskCapacity));

    /// <summary>
    /// OpenAI's json_object mode: any JSON object, nested at most <paramref name="maxDepth"/> objects and arrays deep
    /// (itself included; below that only strings, numbers, booleans and null). No whitespace either. The depth bound
    /// keeps a model from opening brackets forever; keys, strings and members are unbounded, so max tokens ends a
    /// rambling answer.
    /// </summary>
    public static JsonConstraint AnyObject(int maxDepth = DefaultMaxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        // One instance for the default, so json_object requests share its masks.
        return maxDepth == DefaultMaxDepth ? DefaultAnyObject : new(new AnyJson(maxDepth).Object);
    }

    /// <summary>Compiles a JSON schema (the subset in the remarks).</summary>
    /// <exception cref="NotSupportedException">the schema uses a keyword or form outside the subset; the message names it</exception>
    /// <exception cref="ArgumentException">the schema is malformed (a wrong kind of value, an empty range...)</exception>
    public static JsonConstraint FromSchema(JsonElement schema) => new(SchemaCompiler.Compile(schema));

    /// <inheritdoc cref="FromSchema(JsonElement)"/>
    public static JsonConstraint FromSchema(JsonNode schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        using var document = JsonDocument.Parse(schema.ToJsonString());
        return FromSchema(document.RootElement);
    }

    /// <summary>
    /// The constraint for an OpenAI chat-completions <c>response_format</c>: null for none or
    /// <c>{"type":"text"}</c>; any object for <c>{"type":"json_object"}</c>; the schema for
    /// <c>{"type":"json_schema","json_schema":{"name":...,"schema":{...},"strict":true}}</c> (enforced whatever
    /// <c>strict</c> says; without a <c>schema</c>, any object).
    /// </summary>
    /// <remarks>
    /// The same schema (the same JSON text once whitespace is dropped; property order counts, as it orders the output)
    /// gives the same instance while it is among the <see cref="CompiledFormatCapacity"/> most recently used, so
    /// requests with one schema, such as a judge's, share its compiled grammar and the masks cached in it.
    /// </remarks>
    /// <exception cref="ArgumentException">the response_format is malformed; the message names the field</exception>
    /// <exception cref="NotSupportedException">the schema uses something outside the supported subset</exception>
    public static JsonConstraint? FromResponseFormat(JsonNode? responseFormat)
    {
        if (responseFormat is null)
            return null;
        if (responseFormat is not JsonObject format)
            throw new ArgumentException("response_format must be an object such as {\"type\":\"json_object\"}.", nameof(responseFormat));
        var type = format["type"] is { } t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : null;
        switch (type)
        {
            case "text":
                return null;
            case "json_object":
                return AnyObject();
            case "json_schema":
                if (format["json_schema"] is not JsonObject jsonSchema)
                    throw new ArgumentException("response_format.json_schema must be an object with a name and a schema.", nameof(responseFormat));
                if (jsonSchema["name"] is not { } name || name.GetValueKind() != JsonValueKind.String || name.GetValue<string>().Length == 0)
                    throw new ArgumentException("response_format.json_schema.name must be a non-empty string.", nameof(responseFormat));
                if (jsonSchema["strict"] is { } strict && strict.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    throw new ArgumentException("response_format.json_schema.strict must be true or false.", nameof(responseFormat));
                if (!jsonSchema.TryGetPropertyValue("schema", out var schema))
                    return AnyObject();
                if (schema is null || schema.GetValueKind() is not (JsonValueKind.Object or JsonValueKind.True))
                    throw new ArgumentException("response_format.json_schema.schema must be a JSON schema object.", nameof(responseFormat));
                return CompiledFormats.GetOrAdd(schema.ToJsonString(), schema, FromSchema);
            default:
                throw new ArgumentException(
                    $"response_format.type must be \"text\", \"json_object\" or \"json_schema\", not {format["type"]?.ToJsonString() ?? "missing"}.",
                    nameof(responseFormat));
        }
    }

    /// <summary>
    /// A fresh state for one sequence, before its first generated token.
    /// </summary>
    /// <param name="vocabulary">the model's tokens; get it from <see cref="TokenTrie.For"/> once per vocabulary</param>
    /// <param name="stopTokenIds">the ids that end a sequence (eos, eot): allowed once the value is complete, never before</param>
    public JsonConstraintState CreateState(TokenTrie vocabulary, IEnumerable<int> stopTokenIds)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(stopTokenIds);
        int[] stops = [.. stopTokenIds.Distinct()];
        foreach (int id in stops)
        {
            if (id < 0 || id >= vocabulary.VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(stopTokenIds), id, $"A stop token id must be in [0, {vocabulary.VocabularySize}).");
        }
        return new JsonConstraintState(vocabulary, stops, MasksFor(vocabulary), new Cursor(_root));
    }
}
