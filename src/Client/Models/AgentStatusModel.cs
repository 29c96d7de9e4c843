namespace CiliumL7.Client.Models;

/// <summary>Agent part of <see cref="StatusModel"/>.</summary>
public sealed record AgentStatusModel
{
    /// <summary><c>Ok</c> once the agent serves its API.</summary>
    public required string State { get; init; }

    /// <summary>Agent version.</summary>
    public required string Version { get; init; }

    /// <summary>Node name.</summary>
    public required string NodeName { get; init; }

    /// <summary>Pod CIDR of this node.</summary>
    public required string PodCidr { get; init; }

    /// <summary>State directory.</summary>
    public required string StateDir { get; init; }

    /// <summary>Policy directory.</summary>
    public required string PolicyDir { get; init; }

    /// <summary>Process id.</summary>
    public int Pid { get; init; }

    /// <summary>Seconds since the agent started.</summary>
    public double UptimeSeconds { get; init; }
}
