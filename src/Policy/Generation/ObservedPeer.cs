using System.Net;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Generation;

/// <summary>
/// One end of an observed flow, reduced to what a policy can name: a local
/// workload (its security-relevant labels, namespace included), a reserved
/// entity (<c>host</c>, <c>remote-node</c>, ...), or the world at an address.
/// Pod addresses are kept only to report them, never to select by.
/// </summary>
public sealed record ObservedPeer
{
    /// <summary>What kind of peer this is.</summary>
    public required ObservedPeerKind Kind { get; init; }

    /// <summary>The workload's security-relevant labels (namespace label included); empty otherwise.</summary>
    public LabelSet Labels { get; init; } = LabelSet.Empty;

    /// <summary>The workload's namespace, when <see cref="Kind"/> is <see cref="ObservedPeerKind.Workload"/>.</summary>
    public string? Namespace { get; init; }

    /// <summary>The entity name (<c>host</c>, <c>remote-node</c>, ...) for <see cref="ObservedPeerKind.Entity"/>.</summary>
    public string? Entity { get; init; }

    /// <summary>The address seen on the wire (world peers are selected by it).</summary>
    public IPAddress? Address { get; init; }

    /// <summary>The DNS names Hubble knew for this address (<c>source_names</c>/<c>destination_names</c>).</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>A stable key: labels for a workload, the entity name, or the address for the world.</summary>
    public string Key => Kind switch
    {
        ObservedPeerKind.Workload => "ep:" + Labels,
        ObservedPeerKind.Entity => "entity:" + Entity,
        _ => "world:" + Address,
    };
}
