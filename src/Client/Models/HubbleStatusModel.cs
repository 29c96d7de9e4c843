namespace CiliumL7.Client.Models;

/// <summary>Hubble part of <see cref="StatusModel"/> (filled by <c>ciliuml7 status</c> from the Hubble socket's ServerStatus).</summary>
public sealed record HubbleStatusModel
{
    /// <summary><c>Ok</c> or <c>Unavailable</c>.</summary>
    public required string State { get; init; }

    /// <summary>Why Hubble is unavailable, if so.</summary>
    public string? Message { get; init; }

    /// <summary>The server asked (<c>unix:///…/hubble.sock</c>).</summary>
    public string? Server { get; init; }

    /// <summary>Flows currently in the ring.</summary>
    public ulong NumFlows { get; init; }

    /// <summary>Ring capacity.</summary>
    public ulong MaxFlows { get; init; }

    /// <summary>Flows ever seen.</summary>
    public ulong SeenFlows { get; init; }

    /// <summary>Flows per second recently.</summary>
    public double FlowsRate { get; init; }
}
