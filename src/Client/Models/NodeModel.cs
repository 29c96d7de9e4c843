namespace CiliumL7.Client.Models;

/// <summary>A node of the cluster as registered in the kvstore (<c>GET /v1/nodes</c>, <c>ciliuml7 node list</c>).</summary>
public sealed record NodeModel
{
    /// <summary>Node name.</summary>
    public required string Name { get; init; }

    /// <summary>Cluster name.</summary>
    public string Cluster { get; init; } = "";

    /// <summary>Cluster id (0-255).</summary>
    public int ClusterId { get; init; }

    /// <summary>The node's IPv4 address (routes to its pod CIDR go through it).</summary>
    public string? Ipv4 { get; init; }

    /// <summary>The node's pod CIDR.</summary>
    public string? PodCidr { get; init; }

    /// <summary>Hubble Observer gRPC address of the node's agent (ADDR:PORT), if it serves one over TCP.</summary>
    public string? HubbleAddress { get; init; }

    /// <summary>Path of the agent's REST socket.</summary>
    public string? AgentSocket { get; init; }

    /// <summary>Health the node last reported (<c>Ok</c>, or what is wrong).</summary>
    public string Health { get; init; } = "Ok";

    /// <summary>True for the node that answered.</summary>
    public bool Local { get; init; }
}
