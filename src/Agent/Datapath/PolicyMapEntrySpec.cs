using CiliumL7.Policy;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Agent.Datapath;

/// <summary>
/// One policy map entry as the agent means it (the REST DTO <c>BpfPolicyEntryModel</c>
/// is made from it only at the API edge): (direction, remote identity, protocol, port
/// range) → the resolved <see cref="PolicyAction"/>, carried as the enum down to the map.
/// </summary>
/// <param name="Direction">Ingress or egress of the endpoint.</param>
/// <param name="Identity">Remote identity (0 = any).</param>
/// <param name="Protocol">IP protocol (0 = any).</param>
/// <param name="Port">Destination port (0 = any).</param>
/// <param name="EndPort">Last port of a range (0 when a single port).</param>
/// <param name="Action">Allow, deny or redirect.</param>
/// <param name="ProxyPort">The proxy listener port of a redirect (0 otherwise).</param>
/// <param name="PolicyName">The policy that produced the entry.</param>
internal sealed record PolicyMapEntrySpec(
    TrafficDirection Direction,
    uint Identity,
    byte Protocol,
    ushort Port,
    ushort EndPort,
    PolicyAction Action,
    ushort ProxyPort,
    string? PolicyName)
{
    /// <summary>An entry of audited policies beside enforcing ones: only reports what they would drop (never decides).</summary>
    public bool AuditBeside { get; init; }
}
