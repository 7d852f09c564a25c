namespace SaeExplorer.Core.Prompts;

/// <summary>
/// One turn of a chat conversation, as in the Hugging Face <c>messages</c> list
/// (<c>{"role": ..., "content": ...}</c>). Lives in Core (no torch, no tokenizer) so prompt files,
/// the CLI and reports can carry conversations without depending on the inference stack.
/// </summary>
/// <param name="Role">"system", "user", "assistant" (Llama 3.1+ also "ipython"/"tool").</param>
/// <param name="Content">The message text; chat formats trim it like the Jinja templates do.</param>
public sealed record ChatMessage(string Role, string Content);
