namespace Promethean.Discord.Loopback;

/// <summary>How <see cref="LoopbackDiscord.PlayAsync(ChannelHistory, PlayOptions, CancellationToken)"/> paces a history.</summary>
public sealed record PlayOptions
{
    /// <summary>An hour of history in 3.6 s: the bundled day plays in well under a minute.</summary>
    public const double DefaultSpeed = 1000;

    /// <summary>History seconds per real second.</summary>
    public double Speed { get; init; } = DefaultSpeed;

    /// <summary>Longest real pause between two messages, so a quiet night does not stall the demo.</summary>
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Wait until a client has received READY before the first message (otherwise nobody would hear it).</summary>
    public bool WaitForClient { get; init; } = true;
}
