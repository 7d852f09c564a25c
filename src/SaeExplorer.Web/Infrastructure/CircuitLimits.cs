using Microsoft.AspNetCore.Components.Server.Circuits;

namespace SaeExplorer.Web.Infrastructure;

/// <summary>
/// How much text one browser event may carry to the server. Every keystroke in a text field sends the field's whole
/// value over the circuit; SignalR's default 32 KB limit made a ~20,000-character prompt drop the circuit silently.
/// The limit is raised deliberately, with text fields capped so that no field can exceed it.
/// </summary>
public static class CircuitLimits
{
    /// <summary>
    /// The longest text a prompt field takes: above the characters any supported model's context holds (Llama 3's
    /// 131,072 tokens average about four characters each); longer prompts are refused by the tokenizer's context check
    /// with the numbers, not cut here.
    /// </summary>
    public const int MaxTextCharacters = 1_000_000;

    /// <summary>
    /// Bytes of one message from the browser: the longest field in JSON (≈ 1 byte a character for ASCII, 3 for most
    /// scripts, 6 for an escaped control character) and the event around it, with room to spare.
    /// </summary>
    public const long MaxMessageBytes = 8L * 1024 * 1024;
}

/// <summary>
/// Logs circuits losing and regaining their browser, so a page that fell back to its empty state has a trace in the
/// server's log (the framework logs unhandled exceptions in a circuit itself).
/// </summary>
public sealed class CircuitLogger(ILogger<CircuitLogger> logger) : CircuitHandler
{
    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        logger.LogWarning("circuit {CircuitId} lost its connection to the browser; the browser shows a reconnect notice and tries again", circuit.Id);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        logger.LogDebug("circuit {CircuitId} connected", circuit.Id);
        return Task.CompletedTask;
    }
}
