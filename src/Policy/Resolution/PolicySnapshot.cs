using System.Collections.Immutable;
using System.Net;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// The result of one resolution: every local endpoint's policy plus the CIDR
/// identities the rules need in the ipcache. Immutable: the agent swaps
/// snapshots wholesale, so readers never see a half-applied policy.
/// </summary>
public sealed class PolicySnapshot
{
    internal PolicySnapshot(long revision, ImmutableDictionary<uint, EndpointPolicy> endpoints,
        ImmutableDictionary<IPNetwork, uint> cidrIdentities, ImmutableArray<Api.PolicyResource> policies)
    {
        Revision = revision;
        Endpoints = endpoints;
        CidrIdentities = cidrIdentities;
        Policies = policies;
    }

    /// <summary>An empty snapshot (nothing selected: everything allowed).</summary>
    public static PolicySnapshot Empty { get; } = new(0, ImmutableDictionary<uint, EndpointPolicy>.Empty,
        ImmutableDictionary<IPNetwork, uint>.Empty, []);

    /// <summary>Monotonic revision (process-wide), reported in flows.</summary>
    public long Revision { get; }

    /// <summary>Policy per endpoint id.</summary>
    public ImmutableDictionary<uint, EndpointPolicy> Endpoints { get; }

    /// <summary>CIDR prefix → node-local identity, for the datapath's ipcache.</summary>
    public ImmutableDictionary<IPNetwork, uint> CidrIdentities { get; }

    /// <summary>The policies this snapshot was resolved from.</summary>
    public ImmutableArray<Api.PolicyResource> Policies { get; }

    /// <summary>The policy of an endpoint, or null when unknown.</summary>
    public EndpointPolicy? GetEndpoint(uint endpointId) => Endpoints.TryGetValue(endpointId, out var p) ? p : null;
}
