using SaeExplorer.Core.Analysis.Quality;

namespace SaeExplorer.Core.Tests.Analysis.Quality;

public sealed class MarkdownStyleTests
{
    [Fact]
    public void Counts_headers_list_items_and_bold()
    {
        const string text = """
            # Title
            Some **bold** text and **more bold**.
            ## Section
            - item one
            * item two
              + nested item
            1. first
            12. twelfth
            #hashtag is not a header
            ####### seven hashes are not one either
            **Bold at the start** is not a list item
            ---
            3.5 is a number, not a list
            - **bold in a list**
            **** is empty
            """;
        // Headers: "# Title", "## Section". List items: -, *, indented +, "1.", "12.", and the last "-".
        // Bold: "bold", "more bold", "Bold at the start", "bold in a list"; "****" has nothing inside.
        Assert.Equal(new MarkdownCounts(2, 6, 4), MarkdownStyle.Count(text));
    }

    [Fact]
    public void Fenced_code_is_not_layout()
    {
        const string text = """
            ### Steps
            ```python
            # a comment, not a header
            - x  # not a list
            print("**not bold**")
            ```
            ~~~
            ## still code
            ```
            ## code too: a ``` line does not close a ~~~ fence
            ~~~
            - a real item
            """;
        Assert.Equal(new MarkdownCounts(1, 1, 0), MarkdownStyle.Count(text));
    }

    [Fact]
    public void Windows_line_endings_and_plain_text()
    {
        Assert.Equal(new MarkdownCounts(1, 2, 1), MarkdownStyle.Count("# H\r\n- a\r\n- **b**\r\n"));
        Assert.Equal(new MarkdownCounts(0, 0, 0), MarkdownStyle.Count("Just a sentence. 2 * 3 = 6, and #1 - fine."));
        Assert.Equal(new MarkdownCounts(0, 0, 0), MarkdownStyle.Count(""));
        Assert.Equal(new MarkdownCounts(1, 0, 0), MarkdownStyle.Count("#\tTabbed header"));
    }
}
