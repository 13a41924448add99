using Microsoft.Extensions.Logging;
using Promethean.Inspector;

namespace Promethean.Cli;

/// <summary>Starts the inspector for <c>promethean run --inspect</c> and keeps it up after a scripted run until Ctrl-C.</summary>
internal static class InspectorHosting
{
    public static async Task<InspectorServer?> StartAsync(Daemon daemon, InspectorOptions? options, ILoggerFactory logs, CancellationToken ct)
    {
        if (options is null)
            return null;
        var server = await InspectorServer.StartAsync(daemon.Engine, daemon.DatabasePath, Daemon.Systems, options, cancellationToken: ct);
        // The address only: the token is never logged.
        logs.CreateLogger("inspector").LogInformation("inspector at {Address}{Guard}", server.Address,
            string.IsNullOrEmpty(options.Token) ? "" : " (token required: open it with ?token=...)");
        return server;
    }

    /// <summary>After a scripted or demo run the data stays worth looking at: serve until stopped.</summary>
    public static async Task ServeUntilStoppedAsync(InspectorServer? server, ILoggerFactory logs, CancellationToken ct)
    {
        if (server is null)
            return;
        logs.CreateLogger("inspector").LogInformation("run finished; inspector still at {Address}, Ctrl-C to stop", server.Address);
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C
        }
    }
}
