namespace CiliumL7.Client.Models;

/// <summary>The kvstore line of <see cref="StatusModel"/> (<c>KVStore:</c> in <c>ciliuml7 status</c>).</summary>
public sealed record KvStoreStatusModel
{
    /// <summary><c>Disabled</c> (standalone node), <c>Ok</c>, or <c>Failure</c> (unreachable: enforcement goes on with the last known state).</summary>
    public required string State { get; init; }

    /// <summary>The etcd client URL.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Cluster name.</summary>
    public string? Cluster { get; init; }

    /// <summary>What the state means (version and lease when Ok, the last error when not).</summary>
    public string? Message { get; init; }

    /// <summary>Nodes known from the kvstore (this one included).</summary>
    public int Nodes { get; init; }

    /// <summary>Pod addresses of other nodes mirrored into this node's ipcache.</summary>
    public int RemoteIps { get; init; }
}
