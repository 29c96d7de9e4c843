using System.Collections.Immutable;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// The resolved policy of one endpoint: enforcement per direction, the
/// distilled L4 entries (what the datapath map holds) and the compiled L7 rule
/// sets per (direction, port, protocol, remote identity). Immutable.
/// When a direction is not enforced, <see cref="Entries"/> holds a wildcard
/// Allow for it, so a plain <see cref="Lookup"/> gives the right answer.
/// </summary>
public sealed class EndpointPolicy
{
    // Never mutated after construction (the resolver hands over a private dictionary).
    private readonly Dictionary<L7Key, L7RuleSet> _l7;

    internal EndpointPolicy(uint endpointId, uint identity, bool ingressEnforced, bool egressEnforced,
        ImmutableArray<L4PolicyEntry> entries, Dictionary<L7Key, L7RuleSet> l7, AuditState? audit = null,
        IReadOnlyList<FqdnAllow>? fqdnAllows = null, bool egressHasDeny = false)
    {
        FqdnAllows = fqdnAllows ?? [];
        EgressHasDeny = egressHasDeny;
        Audit = audit ?? AuditState.None;
        EndpointId = endpointId;
        Identity = identity;
        IngressEnforced = ingressEnforced;
        EgressEnforced = egressEnforced;
        Entries = entries;
        _l7 = l7;
    }

    /// <summary>The endpoint id.</summary>
    public uint EndpointId { get; }

    /// <summary>The endpoint's identity when resolved.</summary>
    public uint Identity { get; }

    /// <summary>True when some rule selects the endpoint for ingress (default deny).</summary>
    public bool IngressEnforced { get; }

    /// <summary>True when some rule selects the endpoint for egress (default deny).</summary>
    public bool EgressEnforced { get; }

    /// <summary>
    /// Which directions are in audit mode (selected only by audited policies, or
    /// the endpoint or agent audits everything) and the policies that would decide:
    /// there, what the entries drop or the L7 rules deny still flows, reported as AUDIT.
    /// </summary>
    public AuditState Audit { get; }

    /// <summary>True when <paramref name="direction"/> is in audit mode.</summary>
    public bool IsAudited(TrafficDirection direction) => direction == TrafficDirection.Ingress ? Audit.Ingress : Audit.Egress;

    /// <summary>
    /// The <c>toFQDNs</c> allows in force for the egress (also those that select no
    /// address yet): what an address learned for a matching name adds, per port.
    /// </summary>
    public IReadOnlyList<FqdnAllow> FqdnAllows { get; }

    /// <summary>True when a deny rule contributes to the egress in force (a learned address then needs a full resolution).</summary>
    public bool EgressHasDeny { get; }

    /// <summary>The distilled L4 entries, sorted by direction, protocol, port, identity.</summary>
    public ImmutableArray<L4PolicyEntry> Entries { get; }

    /// <summary>
    /// The audited policies' entries in a direction where enforcing policies decide
    /// (<see cref="AuditState.IngressBeside"/>/<see cref="AuditState.EgressBeside"/>): they never
    /// decide; what they would drop of what <see cref="Entries"/> let through is reported as AUDIT.
    /// </summary>
    public ImmutableArray<L4PolicyEntry> AuditEntries { get; internal init; } = [];

    // The audited policies' L7 sets beside enforcing ones (never mutated after construction).
    internal Dictionary<L7Key, L7RuleSet> AuditL7 { get; init; } = [];

    /// <summary>The audited policies' L7 rules beside enforcing ones for a peer/port; null = none.</summary>
    public L7RuleSet? GetAuditRules(TrafficDirection direction, ushort port, byte proto, uint remoteIdentity) =>
        AuditL7.TryGetValue(new L7Key(direction, proto, port, remoteIdentity), out var set) ||
        AuditL7.TryGetValue(new L7Key(direction, proto, port, 0), out set)
            ? set
            : null;

    /// <summary>
    /// The audit entry the audited policies beside enforcing ones would decide a packet by
    /// (as <see cref="Lookup"/>); null = they would drop it by default deny. Meaningful only
    /// when <see cref="AuditState.Any"/> says such policies select the direction.
    /// </summary>
    public L4PolicyEntry? LookupAudit(TrafficDirection direction, uint remoteIdentity, byte proto, ushort port) =>
        LookupIn(AuditEntries.AsSpan(), direction, remoteIdentity, proto, port);

    /// <summary>
    /// The L7 rules for a redirected peer/port (the peer's own set, else the set for any
    /// peer); null = none (deny: fail closed).
    /// </summary>
    public L7RuleSet? GetRules(TrafficDirection direction, ushort port, byte proto, uint remoteIdentity) =>
        _l7.TryGetValue(new L7Key(direction, proto, port, remoteIdentity), out var set) ||
        _l7.TryGetValue(new L7Key(direction, proto, port, 0), out set)
            ? set
            : null;

    /// <summary>The HTTP rules for a redirected peer/port; null = none, or not HTTP (deny: fail closed).</summary>
    public HttpRuleSet? GetHttpRules(TrafficDirection direction, ushort port, byte proto, uint remoteIdentity) =>
        GetRules(direction, port, proto, remoteIdentity) as HttpRuleSet;

    /// <summary>The DNS rules for a redirected peer/port; null = none, or not DNS (deny: fail closed).</summary>
    public DnsRuleSet? GetDnsRules(TrafficDirection direction, ushort port, byte proto, uint remoteIdentity) =>
        GetRules(direction, port, proto, remoteIdentity) as DnsRuleSet;

    /// <summary>The Kafka rules for a redirected peer/port; null = none, or not Kafka (deny: fail closed).</summary>
    public KafkaRuleSet? GetKafkaRules(TrafficDirection direction, ushort port, byte proto, uint remoteIdentity) =>
        GetRules(direction, port, proto, remoteIdentity) as KafkaRuleSet;

    /// <summary>
    /// The entry deciding a packet, as the datapath looks it up: a covering
    /// Deny wins; else the narrowest port match, the exact identity before the
    /// wildcard, the exact protocol before ANY. Null = no entry (dropped: default deny).
    /// </summary>
    public L4PolicyEntry? Lookup(TrafficDirection direction, uint remoteIdentity, byte proto, ushort port) =>
        LookupIn(Entries.AsSpan(), direction, remoteIdentity, proto, port);

    internal static L4PolicyEntry? LookupIn(ReadOnlySpan<L4PolicyEntry> entries, TrafficDirection direction, uint remoteIdentity, byte proto, ushort port)
    {
        L4PolicyEntry? best = null;
        foreach (var e in entries)
        {
            if (e.Direction != direction || !e.CoversProtocol(proto) || !e.CoversPort(port) ||
                (e.RemoteIdentity != 0 && e.RemoteIdentity != remoteIdentity))
            {
                continue;
            }
            if (e.Action == PolicyAction.Deny)
            {
                return e;
            }
            if (best is null || MoreSpecific(e, best.Value))
            {
                best = e;
            }
        }
        return best;
    }

    /// <summary>True when both policies hold the same entries and enforcement (the L7 sets are compared by reference).</summary>
    public bool SameAs(EndpointPolicy other) =>
        IngressEnforced == other.IngressEnforced && EgressEnforced == other.EgressEnforced && Audit.Equals(other.Audit) &&
        Entries.AsSpan().SequenceEqual(other.Entries.AsSpan()) && AuditEntries.AsSpan().SequenceEqual(other.AuditEntries.AsSpan());

    private static bool MoreSpecific(L4PolicyEntry a, L4PolicyEntry b)
    {
        if (a.Width != b.Width)
        {
            return a.Width < b.Width;
        }
        if ((a.RemoteIdentity != 0) != (b.RemoteIdentity != 0))
        {
            return a.RemoteIdentity != 0;
        }
        return a.Protocol != 0 && b.Protocol == 0;
    }

    internal IEnumerable<KeyValuePair<L7Key, L7RuleSet>> L7Sets => _l7;
}
