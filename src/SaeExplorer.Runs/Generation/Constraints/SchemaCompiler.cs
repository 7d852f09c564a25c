using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>
/// Turns a JSON schema into grammar nodes (the subset <see cref="JsonConstraint"/> documents). Errors name the
/// keyword and where it is, as a JSON pointer (<c>#/properties/score</c>), since a schema reaches us from a client.
/// </summary>
internal sealed class SchemaCompiler
{
    /// <summary>Keywords that describe a value without constraining it.</summary>
    private static readonly HashSet<string> Annotations =
        ["title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly"];

    /// <summary>Keywords that only hold sub-schemas for <c>$ref</c>; they constrain nothing where they stand.</summary>
    private static readonly HashSet<string> Definitions = ["$defs", "definitions"];

    private static readonly HashSet<string> Supported =
    [
        "type", "enum", "const", "anyOf", "oneOf", "$ref", "properties", "required", "additionalProperties", "items",
        "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    ];

    /// <summary>Integers beyond ±(2^53 − 1) do not survive a round trip through a double, which most JSON readers use.</summary>
    private const long SafeInteger = (1L << 53) - 1;

    private readonly JsonElement _document;
    private readonly Dictionary<string, GrammarNode> _compiled = [];
    private readonly HashSet<string> _compiling = [];

    private SchemaCompiler(JsonElement document) => _document = document;

    /// <summary>The grammar of <paramref name="schema"/>; <c>$ref</c>s resolve against it.</summary>
    public static GrammarNode Compile(JsonElement schema) => new SchemaCompiler(schema).CompileAt("#", "#");

    /// <summary>The schema at JSON pointer <paramref name="pointer"/>, compiled once however often it is referenced.</summary>
    private GrammarNode CompileAt(string pointer, string from)
    {
        if (_compiled.TryGetValue(pointer, out var done))
            return done;
        if (!_compiling.Add(pointer))
            throw new NotSupportedException($"The $ref '{pointer}' at {from} is recursive; recursive schemas are not supported.");
        var node = Compile(Resolve(pointer, from), pointer);
        _compiling.Remove(pointer);
        _compiled[pointer] = node;
        return node;
    }

    private JsonElement Resolve(string pointer, string from)
    {
        var element = _document;
        foreach (var raw in pointer.Split('/').Skip(1))
        {
            // RFC 6901: ~1 is '/', ~0 is '~', in that order.
            var token = raw.Replace("~1", "/").Replace("~0", "~");
            if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(token, out var property))
                element = property;
            else if (element.ValueKind == JsonValueKind.Array && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < element.GetArrayLength())
                element = element[i];
            else
                throw new ArgumentException($"The $ref '{pointer}' at {from} points at nothing in the schema.");
        }
        return element;
    }

    private GrammarNode Compile(JsonElement schema, string path)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return AnyJson.Default.Value;
            case JsonValueKind.False:
                throw new ArgumentException($"The schema at {path} is false, which no value matches.");
            case not JsonValueKind.Object:
                throw new ArgumentException($"The schema at {path} must be an object, not {Kind(schema)}.");
        }
        foreach (var keyword in schema.EnumerateObject())
        {
            if (!Supported.Contains(keyword.Name) && !Annotations.Contains(keyword.Name) && !Definitions.Contains(keyword.Name))
            {
                throw new NotSupportedException(
                    $"The JSON schema keyword '{keyword.Name}' (at {path}) is not supported by constrained decoding. Supported: " +
                    "type, properties, required, additionalProperties (false), items, minItems, maxItems, minLength, maxLength, " +
                    "minimum, maximum, exclusiveMinimum, exclusiveMaximum (integers), enum, const, anyOf, oneOf, $ref, $defs.");
            }
        }
        if (schema.TryGetProperty("$ref", out var reference))
        {
            RequireAlone(schema, "$ref", path);
            var target = reference.ValueKind == JsonValueKind.String ? reference.GetString()! : "";
            if (target != "#" && !target.StartsWith("#/", StringComparison.Ordinal))
                throw new NotSupportedException($"The $ref at {path} must point into the same schema (\"#/$defs/Name\"), not {reference.GetRawText()}.");
            return CompileAt(target, path);
        }
        foreach (var keyword in (string[])["anyOf", "oneOf"])
        {
            if (!schema.TryGetProperty(keyword, out var alternatives))
                continue;
            RequireAlone(schema, keyword, path);
            if (alternatives.ValueKind != JsonValueKind.Array || alternatives.GetArrayLength() == 0)
                throw new ArgumentException($"'{keyword}' at {path} must be a non-empty array of schemas.");
            // Alternatives that begin with different characters are disjoint, so anyOf and oneOf mean the same here.
            return new ChoiceNode([.. alternatives.EnumerateArray().Select((a, i) => Compile(a, $"{path}/{keyword}/{i}"))], path);
        }
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw new ArgumentException($"'enum' at {path} must be a non-empty array.");
            return LiteralNode.Of(values.EnumerateArray().Select((v, i) => Literal(v, $"{path}/enum/{i}")));
        }
        if (schema.TryGetProperty("const", out var constant))
            return LiteralNode.Of([Literal(constant, $"{path}/const")]);
        if (!schema.TryGetProperty("type", out var type))
            return Untyped(schema, path);
        if (type.ValueKind == JsonValueKind.String)
            return CompileType(type.GetString()!, schema, path);
        if (type.ValueKind != JsonValueKind.Array || type.GetArrayLength() == 0 || type.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            throw new ArgumentException($"'type' at {path} must be a type name or a non-empty array of them.");
        return new ChoiceNode([.. type.EnumerateArray().Select(t => CompileType(t.GetString()!, schema, path))], path);
    }

    /// <summary>A schema without a type: an object or array if it has their keywords, otherwise any value.</summary>
    private GrammarNode Untyped(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("properties", out _))
            return Object(schema, path);
        if (schema.TryGetProperty("items", out _))
            return Array(schema, path);
        foreach (var keyword in schema.EnumerateObject())
        {
            // Any value with, say, a maxLength would quietly ignore it: ask for the type instead.
            if (Supported.Contains(keyword.Name))
                throw new NotSupportedException($"The schema at {path} has '{keyword.Name}' but no 'type'; give the type it applies to.");
        }
        return AnyJson.Default.Value;
    }

    private GrammarNode CompileType(string type, JsonElement schema, string path)
    {
        switch (type)
        {
            case "string":
                int minLength = Count(schema, "minLength", path, 0), maxLength = Count(schema, "maxLength", path, int.MaxValue);
                if (minLength > maxLength)
                    throw new ArgumentException($"minLength {minLength} is above maxLength {maxLength} at {path}.");
                return new StringNode(minLength, maxLength);
            case "integer":
                return Integer(schema, path);
            case "number":
                foreach (var bound in (string[])["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"])
                {
                    if (schema.TryGetProperty(bound, out _))
                        throw new NotSupportedException($"'{bound}' on a number (at {path}) is not supported: bounds are enforced on integers only; use type integer or leave it out.");
                }
                return NumberNode.Instance;
            case "boolean":
                return LiteralNode.Boolean;
            case "null":
                return LiteralNode.Null;
            case "array":
                return Array(schema, path);
            case "object":
                return Object(schema, path);
            default:
                throw new ArgumentException($"Unknown type '{type}' at {path}; the types are object, array, string, integer, number, boolean and null.");
        }
    }

    private static IntegerNode Integer(JsonElement schema, string path)
    {
        double low = -SafeInteger, high = SafeInteger;
        if (Bound(schema, "minimum", path) is { } minimum)
            low = Math.Max(low, Math.Ceiling(minimum));
        if (Bound(schema, "exclusiveMinimum", path) is { } exclusiveMinimum)
            low = Math.Max(low, Math.Floor(exclusiveMinimum) + 1);
        if (Bound(schema, "maximum", path) is { } maximum)
            high = Math.Min(high, Math.Floor(maximum));
        if (Bound(schema, "exclusiveMaximum", path) is { } exclusiveMaximum)
            high = Math.Min(high, Math.Ceiling(exclusiveMaximum) - 1);
        if (low > high)
            throw new ArgumentException($"No integer lies within the bounds at {path}.");
        return new IntegerNode((long)low, (long)high);
    }

    private ArrayNode Array(JsonElement schema, string path)
    {
        GrammarNode items = AnyJson.Default.Value;
        if (schema.TryGetProperty("items", out var itemSchema))
        {
            if (itemSchema.ValueKind == JsonValueKind.Array)
                throw new NotSupportedException($"Tuple-form 'items' (at {path}) is not supported; give one schema for every item.");
            items = Compile(itemSchema, path + "/items");
        }
        int minItems = Count(schema, "minItems", path, 0), maxItems = Count(schema, "maxItems", path, int.MaxValue);
        if (minItems > maxItems)
            throw new ArgumentException($"minItems {minItems} is above maxItems {maxItems} at {path}.");
        return new ArrayNode(items, minItems, maxItems);
    }

    private GrammarNode Object(JsonElement schema, string path)
    {
        bool closed = false;
        if (schema.TryGetProperty("additionalProperties", out var additional))
        {
            closed = additional.ValueKind == JsonValueKind.False;
            if (!closed && additional.ValueKind != JsonValueKind.True)
                throw new NotSupportedException($"A schema for 'additionalProperties' (at {path}) is not supported; only false (or true on an object without properties).");
        }
        var required = new List<string>();
        if (schema.TryGetProperty("required", out var requiredNames))
        {
            if (requiredNames.ValueKind != JsonValueKind.Array || requiredNames.EnumerateArray().Any(n => n.ValueKind != JsonValueKind.String))
                throw new ArgumentException($"'required' at {path} must be an array of property names.");
            required.AddRange(requiredNames.EnumerateArray().Select(n => n.GetString()!));
        }
        if (!schema.TryGetProperty("properties", out var properties))
        {
            if (required.Count > 0)
                throw new ArgumentException($"'required' at {path} names '{required[0]}', which is not in 'properties'.");
            // Without properties the schema allows any object; additionalProperties false leaves only the empty one.
            return closed ? new ObjectNode([]) : AnyJson.Default.Object;
        }
        if (properties.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"'properties' at {path} must be an object.");
        if (additional.ValueKind == JsonValueKind.True)
            throw new NotSupportedException($"'additionalProperties' true (at {path}) is not supported beside 'properties'; constrained output has exactly the listed properties.");
        var names = new HashSet<string>();
        foreach (var property in properties.EnumerateObject())
        {
            // JsonDocument keeps a repeated name; two properties with one key could not be told apart in the output.
            if (!names.Add(property.Name))
                throw new ArgumentException($"'properties' at {path} names '{property.Name}' twice.");
        }
        foreach (var name in required)
        {
            if (!names.Contains(name))
                throw new ArgumentException($"'required' at {path} names '{name}', which is not in 'properties'.");
        }
        return new ObjectNode([.. properties.EnumerateObject().Select(p =>
            new ObjectProperty(p.Name, Compile(p.Value, $"{path}/properties/{Escape(p.Name)}"), required.Contains(p.Name)))]);
    }

    /// <summary>An enum or const value as the JSON text the model must write.</summary>
    private static byte[] Literal(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.String => JsonText.Quoted(value.GetString()!),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => Encoding.UTF8.GetBytes(value.GetRawText()),
        _ => throw new NotSupportedException($"The value at {path} is {Kind(value)}; enum and const values must be strings, numbers, booleans or null."),
    };

    /// <summary>
    /// $ref, anyOf and oneOf stand alone (beside annotations): a sibling such as 'type' would have to hold together with
    /// the referenced schema or every alternative, which this grammar cannot check.
    /// </summary>
    private static void RequireAlone(JsonElement schema, string keyword, string path)
    {
        foreach (var other in schema.EnumerateObject())
        {
            if (other.Name != keyword && Supported.Contains(other.Name))
                throw new NotSupportedException($"'{keyword}' (at {path}) cannot be combined with '{other.Name}'; move '{other.Name}' into the alternatives or the referenced schema.");
        }
    }

    private static int Count(JsonElement schema, string keyword, string path, int absent)
    {
        if (!schema.TryGetProperty(keyword, out var value))
            return absent;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int count) || count < 0)
            throw new ArgumentException($"'{keyword}' at {path} must be a non-negative integer, not {value.GetRawText()}.");
        return count;
    }

    private static double? Bound(JsonElement schema, string keyword, string path)
    {
        if (!schema.TryGetProperty(keyword, out var value))
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double bound) || !double.IsFinite(bound))
            throw new ArgumentException($"'{keyword}' at {path} must be a number, not {value.GetRawText()}.");
        return bound;
    }

    private static string Escape(string name) => name.Replace("~", "~0").Replace("/", "~1");

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();
}
