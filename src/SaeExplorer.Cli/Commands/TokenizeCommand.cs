using System.CommandLine;
using System.Text.Json;
using SaeExplorer.Cli.Json;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Cli.Commands;

/// <summary>
/// <c>saex tokenize</c>: a JSON array of strings in, a JSON array of <c>{"ids", "offsets"}</c> out — no special
/// tokens added, offsets in Unicode code points as Hugging Face reports them. Other tools rely on this contract.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "tokenizer.json (or .json.gz), or a model directory holding one", Required = true };
        var input = new Option<string>("--input") { Description = "JSON file: an array of strings", Required = true };
        var output = new Option<string>("--out") { Description = "where to write the JSON array of {ids, offsets}", Required = true };
        var command = new Command("tokenize", "Tokenize strings with a Llama 3 tokenizer: exact ids and code-point offsets.") { tokenizer, input, output };
        command.SetAction(result => CliRunner.Run("tokenize", () => Run(result.GetValue(tokenizer)!, result.GetValue(input)!, result.GetValue(output)!)));
        return command;
    }

    private static int Run(string tokenizerPath, string inputPath, string outputPath)
    {
        if (!File.Exists(inputPath))
            throw new FileNotFoundException($"{inputPath}: input file not found.");
        List<string> texts;
        try
        {
            texts = JsonSerializer.Deserialize(File.ReadAllText(inputPath), CliJsonContext.Default.ListString)
                ?? throw new InvalidDataException($"{inputPath}: expected a JSON array of strings, got null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{inputPath}: expected a JSON array of strings ({e.Message}).");
        }
        if (texts.Any(t => t is null))
            throw new InvalidDataException($"{inputPath}: the array contains null; every element must be a string.");

        var tok = Llama3Tokenizer.Load(tokenizerPath);
        var partial = outputPath + ".partial";
        using (var stream = File.Create(partial))
        {
            var rows = texts.Select(text =>
            {
                var encoded = tok.Encode(text, addBos: false);
                return new TokenizedStringJson(encoded.Ids, encoded.Offsets.Select(o => new[] { o.Start, o.End }).ToArray());
            });
            JsonSerializer.Serialize(stream, rows, CliJsonContext.Compact.IEnumerableTokenizedStringJson);
        }
        File.Move(partial, outputPath, overwrite: true);
        Console.Error.WriteLine($"tokenized {texts.Count} string(s) -> {outputPath}");
        return 0;
    }
}
