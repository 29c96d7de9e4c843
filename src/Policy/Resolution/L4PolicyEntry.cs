namespace CiliumL7.Policy.Resolution;

/// <summary>
/// One distilled policy-map entry of an endpoint. Lookup precedence (Cilium's
/// order): a deny covering the packet wins; otherwise the most specific port
/// (exact, then narrower range, then any) and, within it, the exact identity
/// before the wildcard. See <see cref="EndpointPolicy.Lookup"/>.
/// </summary>
/// <param name="Direction">Ingress or egress of the endpoint.</param>
/// <param name="RemoteIdentity">The peer identity; 0 = any peer.</param>
/// <param name="Protocol">0 any, 6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6.</param>
/// <param name="Port">Destination port (ICMP: type); 0 = any.</param>
/// <param name="EndPort">Last port of the range; equal to <paramref name="Port"/> for one port.</param>
/// <param name="Action">Allow, Deny or Redirect.</param>
/// <param name="Parser">The L7 parser for a redirect.</param>
/// <param name="PolicyName">The deciding policy: <c>ns/name</c>, or <c>name</c> for a clusterwide policy.</param>
public readonly record struct L4PolicyEntry(
    TrafficDirection Direction,
    uint RemoteIdentity,
    byte Protocol,
    ushort Port,
    ushort EndPort,
    PolicyAction Action,
    L7Parser Parser,
    string? PolicyName)
{
    /// <summary>The field path of (one of) the rules that produced the entry, e.g. <c>spec.ingress[0]</c>.</summary>
    public string? RulePath { get; init; }

    /// <summary>
    /// True for a redirect the enforcing policies do not need: they allow the port at L3/L4,
    /// and the redirect (with an allow-all L7 set) exists so that the L7 rules of audited
    /// policies beside them are judged (see <c>AuditRedirects</c>).
    /// </summary>
    public bool ForAudit { get; init; }

    /// <summary>True when the entry covers <paramref name="port"/> (port 0 = any).</summary>
    public bool CoversPort(ushort port) => Port == 0 || (port >= Port && port <= EndPort);

    /// <summary>True when the entry covers <paramref name="protocol"/> (0 = any).</summary>
    public bool CoversProtocol(byte protocol) => Protocol == 0 || Protocol == protocol;

    /// <summary>Number of ports covered (65536 for any), used for most-specific ordering.</summary>
    public int Width => Port == 0 ? 65536 : EndPort - Port + 1;
}
