using SaeExplorer.Judge;

namespace SaeExplorer.Web.Infrastructure;

/// <summary>
/// The dashboard's settings, from the "SaeExplorer" section of configuration (appsettings.json, environment variables
/// SaeExplorer__Model=..., or the command line --SaeExplorer:Model=...).
/// </summary>
public sealed class SaeExplorerOptions
{
    public const string Section = "SaeExplorer";

    /// <summary>Where the demo model, the feature store and exports live. Default: $XDG_DATA_HOME/saex or ~/.local/share/saex.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>A Hugging Face Llama checkpoint folder. Empty: the generated demo model.</summary>
    public string? Model { get; set; }

    /// <summary>The SAE (Goodfire .pt, SAELens or sparsify folder). Required with <see cref="Model"/>.</summary>
    public string? Sae { get; set; }

    /// <summary>The decoder layer the SAE reads; with a model and no layer, the SAE's preset or config must say.</summary>
    public int? Layer { get; set; }

    public string Device { get; set; } = "cpu";

    public string DType { get; set; } = "float32";

    /// <summary>
    /// Load every layer and the head so the Generate page can answer (default). Off, only layers 0..Layer load: a
    /// 70B model read at layer 50 then fits one 141 GB card, and Generate says generation is off.
    /// </summary>
    public bool Generation { get; set; } = true;

    /// <summary>
    /// Folders under which Settings may open models, SAEs and prompt files (besides the data directory). A path
    /// outside every root is refused, so a dashboard reachable by others cannot be pointed at arbitrary files.
    /// </summary>
    public List<string> AllowedRoots { get; set; } = [];

    /// <summary>The LLM judge the Answers page calls; Settings changes it for the app's lifetime.</summary>
    public JudgeOptions Judge { get; set; } = new();

    public string ResolveDataDirectory()
    {
        if (!string.IsNullOrWhiteSpace(DataDirectory))
            return Path.GetFullPath(DataDirectory);
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : xdg, "saex");
    }
}

/// <summary>
/// The judge's endpoint, from "SaeExplorer:Judge" (as <c>saex judge</c>'s options). The key itself is never configured
/// here: <see cref="ApiKeyVariable"/> names the environment variable that holds it.
/// </summary>
public sealed class JudgeOptions
{
    public string BaseUrl { get; set; } = JudgeEndpoint.DefaultUrl;

    public string Model { get; set; } = JudgeEndpoint.DefaultModel;

    public string ApiKeyVariable { get; set; } = JudgeEndpoint.DefaultKeyVariable;

    /// <summary>auto (json_object for DeepSeek, json_schema otherwise), json_schema or json_object.</summary>
    public string ResponseFormat { get; set; } = "auto";

    public int Concurrency { get; set; } = 16;
}
