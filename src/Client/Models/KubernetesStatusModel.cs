namespace CiliumL7.Client.Models;

/// <summary>The Kubernetes line of <see cref="StatusModel"/> (<c>Kubernetes:</c> in <c>ciliuml7 status</c>).</summary>
public sealed record KubernetesStatusModel
{
    /// <summary><c>Disabled</c> (no API server), <c>Ok</c> (every watch has listed), or <c>Warning</c> (some have not yet).</summary>
    public required string State { get; init; }

    /// <summary>The API server's address.</summary>
    public string? Server { get; init; }

    /// <summary>Each watched resource: <c>ciliumnetworkpolicies.cilium.io</c>, synced, lists, watches, resourceVersion.</summary>
    public IReadOnlyList<KubernetesWatchModel> Watches { get; init; } = [];
}

/// <summary>One list/watch of the agent.</summary>
public sealed record KubernetesWatchModel
{
    public required string Resource { get; init; }

    /// <summary>The first list has been read.</summary>
    public bool Synced { get; init; }

    /// <summary>Lists made (1 plus one per "410 Gone").</summary>
    public long Lists { get; init; }

    /// <summary>Watches opened (reconnects included).</summary>
    public long Watches { get; init; }

    public string? ResourceVersion { get; init; }
}
