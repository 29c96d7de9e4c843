namespace CiliumL7.Policy.Resolution;

/// <summary>
/// What one rule item (one <c>ingress[i]</c> × one <c>toPorts[j]</c>) adds to
/// every endpoint it selects: peers × ports, and the L7 rules for them.
/// Computed once per rule, applied to each selected identity.
/// </summary>
internal sealed class Contribution
{
    public required TrafficDirection Direction { get; init; }

    public required bool IsDeny { get; init; }

    /// <summary>Peer identities; 0 = any peer.</summary>
    public required uint[] Peers { get; init; }

    public required List<PortKey> Ports { get; init; }

    public L7Parser Parser { get; init; }

    /// <summary>The compiled L7 rules (all of <see cref="Parser"/>).</summary>
    public IReadOnlyList<L7.IL7Rule> L7Rules { get; init; } = [];

    /// <summary><c>enableDefaultDeny: false</c>: L7 rules only give visibility (wildcard).</summary>
    public bool VisibilityOnly { get; init; }

    public required string PolicyName { get; init; }

    public required string RulePath { get; init; }

    /// <summary>The <c>toFQDNs</c> selectors the peers came from (null for other peers); kept even before any address is learned.</summary>
    public IReadOnlyList<Api.FqdnSelector>? FqdnSelectors { get; init; }
}
