using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Runs.Contracts;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Web.Application.Exports;

namespace SaeExplorer.Web.Application.Generate;

/// <summary>One side's answer as the Generate page holds it, for export.</summary>
/// <param name="Pieces">How each token reads: a character split over byte-level tokens once, so the text is the answer's own characters.</param>
public sealed record AnswerRecord(AnswerSide Side, IReadOnlyList<int> TokenIds, IReadOnlyList<TokenPiece> Pieces, FinishedAnswer? Finished, string? Error)
{
    public string Text => string.Concat(Pieces.Select(p => p.Text));
}

/// <summary>The baseline/steered pair of the Generate page as JSON (answers-file field names) or Markdown.</summary>
public static class GenerationExport
{
    public static ExportFile Json(string prompt, DecodingOptions decoding, IReadOnlyList<FeatureIntervention> interventions, InterventionScope scope, IReadOnlyList<AnswerRecord> answers)
    {
        var root = new JsonObject
        {
            ["prompt"] = prompt,
            ["decoding"] = JsonSerializer.SerializeToNode(DecodingJson.From(decoding), Options),
            ["seed"] = decoding.Seed,
            ["interventions"] = JsonSerializer.SerializeToNode(InterventionJson.From(interventions, scope), Options),
            ["answers"] = new JsonArray([.. answers.Select(a => (JsonNode)new JsonObject
            {
                ["side"] = a.Side == AnswerSide.Baseline ? "baseline" : "steered",
                ["text"] = a.Text,
                ["token_ids"] = new JsonArray([.. a.TokenIds.Select(id => (JsonNode)id)]),
                ["finish_reason"] = a.Finished?.FinishReason ?? (a.Error is null ? "incomplete" : "error"),
                ["error"] = a.Error,
                ["top_features"] = new JsonArray([.. (a.Finished?.Top ?? []).Select(f => (JsonNode)new JsonObject
                {
                    ["feature"] = f.Feature, ["max"] = f.Max, ["tokens"] = f.Tokens, ["label"] = f.Label,
                })]),
            })]),
        };
        return ExportService.Text("generation.json", "application/json", root.ToJsonString(Options) + "\n");
    }

    public static ExportFile Markdown(string prompt, DecodingOptions decoding, IReadOnlyList<FeatureIntervention> interventions, InterventionScope scope, IReadOnlyList<AnswerRecord> answers)
    {
        var md = new StringBuilder();
        md.Append("# Generation\n\n");
        md.Append("**Prompt:** ").Append(prompt.ReplaceLineEndings(" ")).Append("\n\n");
        md.Append("**Decoding:** ").Append(decoding.Describe()).Append(string.Create(CultureInfo.InvariantCulture, $", seed {decoding.Seed}")).Append("\n\n");
        if (interventions.Count > 0)
            md.Append("**Steering:** ").Append(string.Join(", ", interventions)).Append(scope == InterventionScope.All ? " (every position)" : " (generated tokens only)").Append("\n\n");
        foreach (var a in answers)
        {
            md.Append("## ").Append(a.Side == AnswerSide.Baseline ? "Baseline" : "Steered").Append("\n\n");
            foreach (var line in a.Text.Split('\n'))
                md.Append("> ").Append(line).Append('\n');
            md.Append('\n');
            md.Append(string.Create(CultureInfo.InvariantCulture, $"{a.TokenIds.Count} tokens, {a.Finished?.FinishReason ?? a.Error ?? "incomplete"}\n\n"));
            if (a.Finished is { Top.Count: > 0 } f)
            {
                md.Append("| feature | label | max | tokens |\n|---:|---|---:|---:|\n");
                foreach (var t in f.Top)
                    md.Append(string.Create(CultureInfo.InvariantCulture, $"| {t.Feature} | {(t.Label ?? "").Replace("|", "\\|")} | {t.Max:G4} | {t.Tokens} |\n"));
                md.Append('\n');
            }
        }
        return ExportService.Text("generation.md", "text/markdown", md.ToString());
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };
}
