using System.Net;
using CiliumL7.Agent.Datapath;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Agent.Regeneration;

/// <summary>The outcome of one policy resolution: map state per endpoint, redirects, CIDR identities and the engine snapshot the proxy judges with.</summary>
/// <param name="Endpoints">Per endpoint id: the entries to write to its policy map.</param>
/// <param name="Redirects">Proxy listeners the entries point at.</param>
/// <param name="CidrIdentities">CIDR prefixes of the policies and their identities (for the ipcache).</param>
/// <param name="Snapshot">The resolved snapshot (null when no resolver ran).</param>
internal sealed record PolicyComputation(
    IReadOnlyDictionary<int, EndpointMapState> Endpoints,
    IReadOnlyList<RedirectSpec> Redirects,
    IReadOnlyDictionary<IPNetwork, uint> CidrIdentities,
    PolicySnapshot? Snapshot);
