using Mediator;
using SaeExplorer.Core.Errors;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Web.Infrastructure;

/// <summary>
/// Something the user asked for cannot be done, for a reason they can act on (settings that do not fit, a file that
/// cannot be used, a store in use, a prompt the model cannot take, a run that cannot be opened). Its message is one
/// line that pages show as it is.
/// </summary>
public sealed class UserError(string message, Exception cause) : Exception(message, cause)
{
    /// <summary>The setting the error is about, when it is one.</summary>
    public SettingsField? Field => InnerException is SettingsException s ? s.Field : null;
}

/// <summary>
/// Where the dashboard applies the rule for which failures are the user's to fix (<see cref="UserErrors.Is"/>, the CLI's
/// rule too): every request through the mediator that fails with one of them fails with a <see cref="UserError"/>
/// instead (logged at information level), so pages catch that type alone; anything else is a bug and propagates
/// unchanged to the host's error handling.
/// </summary>
public sealed class UserErrorBehavior<TMessage, TResponse>(ILogger<UserErrorBehavior<TMessage, TResponse>> logger) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        try
        {
            return await next(message, cancellationToken);
        }
        catch (Exception e) when (UserErrors.Is(e))
        {
            logger.LogInformation("{Request} refused: {Reason}", typeof(TMessage).Name, e.Message);
            throw new UserError(e.Message.ReplaceLineEndings(" "), e);
        }
    }
}
