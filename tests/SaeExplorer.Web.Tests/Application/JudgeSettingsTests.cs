using Microsoft.Extensions.Options;
using SaeExplorer.Judge;
using SaeExplorer.Web.Application.Answers;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>The Settings page's judge section: each problem under its field, the key variable's name only, kept for the app's lifetime.</summary>
public sealed class JudgeSettingsTests
{
    private readonly JudgeSettingsHolder _holder = new(Options.Create(new SaeExplorerOptions()));

    private JudgeSettingsHandler Handler => new(_holder);

    [Fact]
    public void Every_problem_is_reported_at_once_under_its_field()
    {
        var problems = JudgeSettingsHandler.Problems(new JudgeSettings("ftp://judge.example", " ", "NOT A NAME", "yaml", 0));

        Assert.Equal(["judge-url", "judge-model", "judge-key", "judge-format", "judge-concurrency"], problems.Select(p => p.Field));
        Assert.Contains("is not an http(s) URL", problems[0].Message);
        Assert.Contains("is empty", problems[1].Message);
        Assert.Contains("'NOT A NAME' is not an environment variable name", problems[2].Message);
        Assert.Contains("'yaml' is not one of auto, json_schema, json_object", problems[3].Message);
        Assert.Contains("0 is out of range 1–256", problems[4].Message);
        Assert.Empty(JudgeSettingsHandler.Problems(new JudgeSettings(JudgeEndpoint.DefaultUrl, JudgeEndpoint.DefaultModel, JudgeEndpoint.DefaultKeyVariable, "auto", 16)));
    }

    [Theory]
    [InlineData("AWS_SECRET_ACCESS_KEY")]
    [InlineData("GITHUB_TOKEN")]
    [InlineData("PASSWORD")]
    public void The_form_cannot_name_a_variable_that_is_not_an_api_key(string variable)
    {
        var problem = Assert.Single(JudgeSettingsHandler.Problems(new JudgeSettings(JudgeEndpoint.DefaultUrl, JudgeEndpoint.DefaultModel, variable, "auto", 16)));

        Assert.Equal("judge-key", problem.Field);
        Assert.Contains("ends in _API_KEY", problem.Message);
    }

    [Fact]
    public async Task Valid_settings_are_used_from_then_on_and_the_page_learns_whether_the_key_is_set_never_its_value()
    {
        Assert.Equal(new JudgeSettings(JudgeEndpoint.DefaultUrl, "deepseek-chat", "DEEPSEEK_API_KEY", "auto", 16), _holder.Current);
        string variable = $"SAEX_TEST_{Guid.NewGuid():N}_API_KEY";

        var problems = await Handler.Handle(new ApplyJudgeSettingsCommand(new JudgeSettings(" http://127.0.0.1:9/v1 ", " local-judge ", variable, "json_object", 4)), CancellationToken.None);

        Assert.Empty(problems);
        Assert.Equal(new JudgeSettings("http://127.0.0.1:9/v1", "local-judge", variable, "json_object", 4), _holder.Current);
        Assert.Equal(JudgeResponseFormat.JsonObject, _holder.Current.Endpoint().ResponseFormat);
        Assert.False((await Handler.Handle(new GetJudgeSettingsQuery(), CancellationToken.None)).KeySet);
        Environment.SetEnvironmentVariable(variable, "a-secret");
        try
        {
            var view = await Handler.Handle(new GetJudgeSettingsQuery(), CancellationToken.None);
            Assert.True(view.KeySet);
            Assert.DoesNotContain("a-secret", view.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        // Settings with a problem change nothing.
        Assert.NotEmpty(await Handler.Handle(new ApplyJudgeSettingsCommand(new JudgeSettings("nowhere", "m", variable, "auto", 4)), CancellationToken.None));
        Assert.Equal("http://127.0.0.1:9/v1", _holder.Current.BaseUrl);
    }
}
