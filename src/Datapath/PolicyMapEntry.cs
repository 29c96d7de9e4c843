using CiliumL7.Policy;

namespace CiliumL7.Datapath;

/// <summary>
/// One L3/L4 policy entry of an endpoint, as the agent computes it.
/// Wildcards: <paramref name="RemoteIdentity"/> 0 = any peer,
/// <paramref name="Protocol"/> 0 = any protocol (a port with protocol 0 means
/// TCP, UDP and SCTP), <paramref name="Port"/> 0 = any port. For ICMP (1) and
/// ICMPv6 (58) the port is the ICMP type.
/// </summary>
/// <param name="Direction">Ingress or egress of the endpoint.</param>
/// <param name="RemoteIdentity">The peer's identity, 0 for any.</param>
/// <param name="Protocol">IANA protocol number (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6), 0 for any.</param>
/// <param name="Port">Destination port (first of a range), 0 for any.</param>
/// <param name="EndPort">Last port of a range, or 0 for a single port.</param>
/// <param name="Verdict">Allow, deny or redirect.</param>
/// <param name="ProxyPort">The proxy listener's port for <see cref="PolicyMapVerdict.Redirect"/>.</param>
/// <param name="RuleCookie">An id of the rule, reported in events.</param>
public sealed record PolicyMapEntry(
    TrafficDirection Direction,
    uint RemoteIdentity,
    byte Protocol,
    ushort Port,
    ushort EndPort,
    PolicyMapVerdict Verdict,
    ushort ProxyPort,
    uint RuleCookie)
{
    /// <summary>
    /// An entry of the audited policies beside enforcing ones: never decides,
    /// only reports (verdict AUDIT) what those policies would drop. Written
    /// with the CL7_POLICY_KIND_AUDIT_* kinds.
    /// </summary>
    public bool AuditBeside { get; init; }
}
