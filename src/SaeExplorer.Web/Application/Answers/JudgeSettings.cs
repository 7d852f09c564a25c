using Microsoft.Extensions.Options;
using SaeExplorer.Judge;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Application.Answers;

/// <summary>What the Settings page's Judge section holds: where the judge is and the name of the variable with its key, never the key.</summary>
/// <param name="ResponseFormat">one of <see cref="ResponseFormats"/></param>
public sealed record JudgeSettings(string BaseUrl, string Model, string ApiKeyVariable, string ResponseFormat, int Concurrency)
{
    /// <summary>The response formats, named as <c>saex judge --response-format</c> names them.</summary>
    public static readonly IReadOnlyList<string> ResponseFormats = ["auto", "json_schema", "json_object"];

    public static JudgeSettings From(JudgeOptions options) =>
        new(options.BaseUrl, options.Model, options.ApiKeyVariable, options.ResponseFormat, options.Concurrency);

    /// <summary>The endpoint these settings describe, checked: a <see cref="SettingsException"/> names what is wrong.</summary>
    public JudgeEndpoint Endpoint() =>
        new JudgeEndpoint(BaseUrl.Trim(), Model.Trim(), ApiKeyVariable.Trim(), Format(ResponseFormat), Concurrency).Validated();

    public static JudgeResponseFormat? Format(string value) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => null,
        "json_schema" => JudgeResponseFormat.JsonSchema,
        "json_object" => JudgeResponseFormat.JsonObject,
        var other => throw new SettingsException(SettingsField.Judge, $"response format '{other}' is not one of {string.Join(", ", ResponseFormats)}."),
    };
}

/// <summary>
/// The judge settings in use: the configuration's at start, then whatever Settings applied, for the app's lifetime (a
/// restart returns to the configuration), shared by every browser session as the loaded model is.
/// </summary>
public sealed class JudgeSettingsHolder(IOptions<SaeExplorerOptions> options)
{
    private JudgeSettings _current = JudgeSettings.From(options.Value.Judge);

    public JudgeSettings Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
