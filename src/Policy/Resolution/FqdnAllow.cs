using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// One <c>toFQDNs</c> allow in force for an endpoint's egress (one <c>egress[i]</c> ×
/// <c>toPorts[j]</c> × port), kept with its selectors so that an address learned
/// later can be given its entries without resolving everything again (the
/// selector-cache view: selector → the identities it adds).
/// </summary>
/// <param name="Selectors">The rule's <c>toFQDNs</c> selectors (any of them matching a name selects its addresses).</param>
/// <param name="Protocol">0 any, 6 TCP, 17 UDP, 132 SCTP.</param>
/// <param name="Port">Destination port; 0 = any.</param>
/// <param name="EndPort">Last port of the range (equal to <paramref name="Port"/> for one port).</param>
/// <param name="Parser">The L7 parser of the rule (None for a plain L4 allow).</param>
/// <param name="PolicyName">The policy the rule belongs to.</param>
public sealed record FqdnAllow(IReadOnlyList<FqdnSelector> Selectors, byte Protocol, ushort Port, ushort EndPort, L7Parser Parser, string PolicyName);
