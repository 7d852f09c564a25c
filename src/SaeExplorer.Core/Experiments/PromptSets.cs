using SaeExplorer.Core.Errors;
using System.Text;
using System.Text.Json;
using SaeExplorer.Core.Json;
using SaeExplorer.Core.Prompts;

namespace SaeExplorer.Core.Experiments;

/// <summary>Thrown for a prompt set that cannot be used; the message names the file (or source) and the problem.</summary>
public sealed class PromptSetException(string message) : Exception(message), IUserError;

/// <summary>
/// Reads, writes, validates and expands prompt-set files:
/// <c>{"name", "description", "conditions": [{"name", "template", "description", "system_prompt"?}], "topics": [...]}</c>.
/// The format is meant to be edited by hand, so unknown keys are tolerated (room for notes) and every error names
/// the file and what to fix.
/// </summary>
public static class PromptSets
{
    /// <summary>The placeholder a template must contain; it is replaced by the topic.</summary>
    public const string TopicPlaceholder = "{topic}";

    /// <summary>Path of the seed design relative to the Core project and to the output folder of any app using it.</summary>
    public const string BuiltInRelativePath = "Experiments/Data/seed-styles.json";

    private const string BuiltInResourceName = "SaeExplorer.Core.Experiments.Data.seed-styles.json";

    public static PromptSet Load(string path)
    {
        if (!File.Exists(path))
            throw new PromptSetException($"{path}: prompt set file not found.");
        string json;
        try { json = File.ReadAllText(path); }
        catch (IOException e) { throw new PromptSetException($"{path}: cannot read the prompt set ({e.Message})."); }
        return Parse(json, path);
    }

    /// <summary>Writes <paramref name="set"/> in the file format, after validating it so no unusable file is written.</summary>
    public static void Save(PromptSet set, string path)
    {
        Validate(set, path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        File.WriteAllText(path, ToJson(set), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>The file format of <paramref name="set"/> (2-space indented, trailing newline).</summary>
    public static string ToJson(PromptSet set) =>
        // Templates and topics are prose; keep apostrophes, accents and the like readable in the edited file.
        CoreJsonContext.FileText(PromptSetJson.From(set), CoreJsonContext.Readable.PromptSetJson);

    /// <summary>Parses and validates a prompt set; <paramref name="sourceName"/> (usually the path) prefixes every error.</summary>
    public static PromptSet Parse(string json, string sourceName)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new PromptSetException($"{sourceName}: not valid JSON ({e.Message})."); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new PromptSetException($"{sourceName}: expected a JSON object with \"name\", \"description\", \"conditions\" and \"topics\".");
            var name = RequiredString(root, "name", sourceName, "the prompt set");
            var description = OptionalString(root, "description", sourceName, "the prompt set") ?? "";

            if (!root.TryGetProperty("conditions", out var conditionsElement) || conditionsElement.ValueKind != JsonValueKind.Array)
                throw new PromptSetException($"{sourceName}: missing \"conditions\" (an array of {{\"name\", \"template\"}} objects).");
            var conditions = new List<Condition>();
            foreach (var c in conditionsElement.EnumerateArray())
            {
                string what = $"condition {conditions.Count + 1}";
                if (c.ValueKind != JsonValueKind.Object)
                    throw new PromptSetException($"{sourceName}: {what} must be an object with \"name\" and \"template\".");
                conditions.Add(new Condition(
                    RequiredString(c, "name", sourceName, what),
                    RequiredString(c, "template", sourceName, what),
                    OptionalString(c, "description", sourceName, what),
                    OptionalString(c, "system_prompt", sourceName, what)));
            }

            if (!root.TryGetProperty("topics", out var topicsElement) || topicsElement.ValueKind != JsonValueKind.Array)
                throw new PromptSetException($"{sourceName}: missing \"topics\" (an array of strings).");
            var topics = new List<string>();
            foreach (var t in topicsElement.EnumerateArray())
            {
                if (t.ValueKind != JsonValueKind.String)
                    throw new PromptSetException($"{sourceName}: topic {topics.Count + 1} must be a string, not {t.ValueKind.ToString().ToLowerInvariant()}.");
                topics.Add(t.GetString()!);
            }

            var set = new PromptSet(name, description, conditions, topics);
            Validate(set, sourceName);
            return set;
        }
    }

    /// <summary>
    /// Checks everything <see cref="Expand"/> and the capture step rely on: at least one condition and one topic,
    /// condition names usable in prompt ids and unique, every template containing <c>{topic}</c>, topics non-empty
    /// and unique, and every condition × topic id unique.
    /// </summary>
    /// <summary>Longest topic, in characters: a topic is a phrase; a 320,000-character one held the model for a minute per prompt.</summary>
    public const int MaxTopicLength = 1_000;

    /// <summary>Longest template, in characters (a long system prompt fits).</summary>
    public const int MaxTemplateLength = 20_000;

    /// <summary>Most prompts (conditions × topics) one set may expand to.</summary>
    public const int MaxPrompts = 100_000;

    public static void Validate(PromptSet set, string sourceName)
    {
        if (string.IsNullOrWhiteSpace(set.Name))
            throw new PromptSetException($"{sourceName}: the prompt set needs a non-empty \"name\".");
        if (set.Conditions.Count == 0)
            throw new PromptSetException($"{sourceName}: \"conditions\" is empty; give at least one {{\"name\", \"template\"}}.");
        var conditionNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in set.Conditions)
        {
            if (c.Name.Length == 0 || !c.Name.All(IsConditionNameChar))
                throw new PromptSetException($"{sourceName}: condition name '{c.Name}' must be non-empty and use only letters, digits, '-', '_' or '.' (it starts every prompt id).");
            if (!conditionNames.Add(c.Name))
                throw new PromptSetException($"{sourceName}: condition name '{c.Name}' is used twice; condition names must be unique.");
            if (c.Template.Length > MaxTemplateLength)
                throw new PromptSetException($"{sourceName}: the template of condition '{c.Name}' has {c.Template.Length:N0} characters; templates are at most {MaxTemplateLength:N0}.");
            if (!c.Template.Contains(TopicPlaceholder, StringComparison.Ordinal))
                throw new PromptSetException($"{sourceName}: the template of condition '{c.Name}' has no {TopicPlaceholder} placeholder: \"{c.Template}\".");
        }
        if (set.Topics.Count == 0)
            throw new PromptSetException($"{sourceName}: \"topics\" is empty; give at least one topic.");
        var topics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in set.Topics)
        {
            if (string.IsNullOrWhiteSpace(t))
                throw new PromptSetException($"{sourceName}: topic {topics.Count + 1} is empty.");
            if (t.Length > MaxTopicLength)
                throw new PromptSetException($"{sourceName}: topic {topics.Count + 1} has {t.Length:N0} characters; a topic is a phrase of at most {MaxTopicLength:N0}.");
            if (!topics.Add(t))
                throw new PromptSetException($"{sourceName}: topic '{t}' is listed twice; topics must be unique.");
        }
        if ((long)set.Conditions.Count * set.Topics.Count > MaxPrompts)
            throw new PromptSetException($"{sourceName}: {set.Conditions.Count} conditions × {set.Topics.Count:N0} topics is {(long)set.Conditions.Count * set.Topics.Count:N0} prompts; a set is at most {MaxPrompts:N0} (split it).");
        CheckIds(set, sourceName);
    }

    /// <summary>
    /// Every condition × topic, condition-major (all topics of the first condition, then the next condition), with
    /// id <c>"{condition}/{slug(topic)}"</c>, an optional system message and one user message with the topic filled in.
    /// </summary>
    public static IReadOnlyList<ExperimentPrompt> Expand(PromptSet set)
    {
        Validate(set, $"prompt set '{set.Name}'");
        var prompts = new List<ExperimentPrompt>(set.Conditions.Count * set.Topics.Count);
        foreach (var c in set.Conditions)
        {
            foreach (var topic in set.Topics)
            {
                var messages = new List<ChatMessage>(2);
                if (c.SystemPrompt is not null)
                    messages.Add(new ChatMessage("system", c.SystemPrompt));
                messages.Add(new ChatMessage("user", Render(c.Template, topic)));
                prompts.Add(new ExperimentPrompt(PromptId(c.Name, topic), c.Name, topic, messages));
            }
        }
        return prompts;
    }

    /// <summary>The user message of a condition for a topic: every <c>{topic}</c> replaced, nothing else touched.</summary>
    /// <summary>
    /// The condition the others are compared with: <c>standard</c> when the set has one, else its first condition. Its
    /// wording is the topic's neutral question a blind judge sees.
    /// </summary>
    public static Condition BaselineCondition(PromptSet set) => set.Conditions.FirstOrDefault(c => c.Name == "standard") ?? set.Conditions[0];

    public static string Render(string template, string topic) => template.Replace(TopicPlaceholder, topic, StringComparison.Ordinal);

    public static string PromptId(string condition, string topic) => $"{condition}/{Slug(topic)}";

    /// <summary>
    /// Lowercase ASCII letters and digits kept; every run of anything else becomes one '-'; leading and trailing '-'
    /// trimmed. ("How DNA stores genetic information" → "how-dna-stores-genetic-information".)
    /// </summary>
    public static string Slug(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool pendingDash = false;
        foreach (char ch in text)
        {
            char lower = ch is >= 'A' and <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
            if (lower is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
            {
                if (pendingDash && sb.Length > 0)
                    sb.Append('-');
                pendingDash = false;
                sb.Append(lower);
            }
            else
            {
                pendingDash = true;
            }
        }
        return sb.ToString();
    }

    /// <summary>The seed design (six styles × 50 topics), from the embedded <c>seed-styles.json</c>.</summary>
    public static PromptSet BuiltIn() => Parse(BuiltInJson(), $"built-in {BuiltInRelativePath}");

    /// <summary>The text of the embedded seed design, e.g. to write a copy for a user to edit.</summary>
    public static string BuiltInJson()
    {
        using var stream = typeof(PromptSets).Assembly.GetManifestResourceStream(BuiltInResourceName)
            ?? throw new InvalidOperationException($"embedded resource {BuiltInResourceName} is missing from {typeof(PromptSets).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static void CheckIds(PromptSet set, string sourceName)
    {
        // Ids only depend on the topic's slug, so two different topics can still collide ("C++" and "C").
        var bySlug = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in set.Topics)
        {
            var slug = Slug(t);
            if (slug.Length == 0)
                throw new PromptSetException($"{sourceName}: topic '{t}' has no ASCII letters or digits, so it cannot form a prompt id.");
            if (bySlug.TryGetValue(slug, out var other))
                throw new PromptSetException($"{sourceName}: topics '{other}' and '{t}' both give the id slug '{slug}'; prompt ids must be unique, so reword one of them.");
            bySlug[slug] = t;
        }
    }

    private static bool IsConditionNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';

    private static string RequiredString(JsonElement obj, string key, string sourceName, string what)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.String)
            throw new PromptSetException($"{sourceName}: {what} is missing \"{key}\" (a string).");
        return value.GetString()!;
    }

    private static string? OptionalString(JsonElement obj, string key, string sourceName, string what)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw new PromptSetException($"{sourceName}: \"{key}\" of {what} must be a string.");
        return value.GetString();
    }
}
