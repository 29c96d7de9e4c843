using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Resolution;

/// <summary>
/// Builds one direction of one identity's policy from its contributions and
/// distils it into entries (Cilium's merge semantics):
/// <code>
///  1. one filter per (proto, port/range); inside it, one L7 set per peer
///  2. a peer with no L7 rules on an L7 port gets "allow all L7" — only that peer (CVE-2023-30851)
///  3. L3-only allows (any port) widen a peer's L7 on every port; ranges do not,
///     and a peer covered only by a range still gets an exact Redirect entry (CVE-2024-52529)
///  4. deny wins: covered allows become denies, partial overlaps get explicit denies
/// </code>
/// </summary>
internal sealed class DirectionBuilder(TrafficDirection direction, L7SetCache sets)
{
    private readonly Dictionary<PortKey, Dictionary<uint, PeerAccumulator>> _allows = [];
    private readonly List<(uint Peer, PortKey Port, string Policy, string Path)> _denies = [];

    private readonly List<FqdnAllow> _fqdnAllows = [];

    public bool Enforced { get; set; }

    /// <summary>True when some deny contributes to this direction.</summary>
    public bool HasDeny { get; private set; }

    /// <summary>The <c>toFQDNs</c> allows of this direction, per port (including those that select no address yet).</summary>
    public IReadOnlyList<FqdnAllow> FqdnAllows => _fqdnAllows;

    public void Add(Contribution c)
    {
        HasDeny |= c.IsDeny;
        if (c.FqdnSelectors is { } selectors && !c.IsDeny)
        {
            foreach (var port in c.Ports)
            {
                _fqdnAllows.Add(new FqdnAllow(selectors, port.Protocol, port.Port, port.EndPort, c.VisibilityOnly ? L7Parser.None : c.Parser, c.PolicyName));
            }
        }
        if (c.Peers.Length == 0)
        {
            return;
        }
        foreach (var port in c.Ports)
        {
            if (c.IsDeny)
            {
                foreach (var peer in c.Peers)
                {
                    _denies.Add((peer, port, c.PolicyName, c.RulePath));
                }
                continue;
            }
            if (!_allows.TryGetValue(port, out var peers))
            {
                _allows[port] = peers = [];
            }
            foreach (var peer in c.Peers)
            {
                if (!peers.TryGetValue(peer, out var acc))
                {
                    peers[peer] = acc = new PeerAccumulator(c.PolicyName, c.RulePath);
                }
                if (c.Parser == L7Parser.None || c.VisibilityOnly)
                {
                    acc.Wildcard = true;
                    acc.WildcardBy ??= c.PolicyName;
                }
                if (c.Parser != L7Parser.None)
                {
                    if (acc.Parser == L7Parser.None)
                    {
                        acc.Parser = c.Parser;
                    }
                    if (!c.VisibilityOnly && acc.Parser == c.Parser)
                    {
                        acc.Rules.AddRange(c.L7Rules);
                    }
                }
            }
        }
    }

    public void Emit(List<L4PolicyEntry> entries, Dictionary<L7Key, L7RuleSet> l7)
    {
        var emitted = new Dictionary<(uint, PortKey), L4PolicyEntry>();

        // :: Step 1: plain L4 allows (ports without any L7 rule).
        foreach (var (port, peers) in _allows)
        {
            if (ParserOf(peers) != L7Parser.None)
            {
                continue;
            }
            foreach (var (peer, acc) in peers)
            {
                emitted[(peer, port)] = Entry(peer, port, PolicyAction.Allow, L7Parser.None, acc.PolicyName, acc.RulePath);
            }
        }

        // :: Step 2: L7 ports: one Redirect entry and one rule set per peer.
        foreach (var (port, peers) in _allows)
        {
            var parser = ParserOf(peers);
            if (parser != L7Parser.None)
            {
                EmitL7Port(port, peers, parser, emitted, l7);
            }
        }

        // :: Step 3: default allow when no rule enforces this direction.
        if (!Enforced && !emitted.ContainsKey((0, PortKey.Any)))
        {
            emitted[(0, PortKey.Any)] = Entry(0, PortKey.Any, PolicyAction.Allow, L7Parser.None, null, null);
        }

        // :: Step 4: deny wins.
        ApplyDenies(emitted, l7);
        entries.AddRange(emitted.Values);
    }

    private void EmitL7Port(PortKey port, Dictionary<uint, PeerAccumulator> atPort, L7Parser parser,
        Dictionary<(uint, PortKey), L4PolicyEntry> emitted, Dictionary<L7Key, L7RuleSet> l7)
    {
        atPort.TryGetValue(0, out var anyPeer);
        var widen = new Dictionary<uint, PeerAccumulator>();
        foreach (var (key, peers) in _allows)
        {
            if (key.Port == 0 && (key.Protocol == 0 || key.Protocol == port.Protocol))
            {
                foreach (var (peer, acc) in peers)
                {
                    widen.TryAdd(peer, acc);
                }
            }
        }
        var candidates = new HashSet<uint>(atPort.Keys);
        candidates.UnionWith(widen.Keys);
        if (anyPeer is not null || widen.ContainsKey(0))
        {
            // Peers allowed here only by a range or any-port entry still need an exact entry, or a
            // more specific range entry could let them past the proxy (CVE-2024-52529).
            foreach (var (key, peers) in _allows)
            {
                if (key != port && key.Covers(port))
                {
                    candidates.UnionWith(peers.Keys);
                }
            }
        }
        widen.TryGetValue(0, out var widenAll);
        foreach (var peer in candidates)
        {
            atPort.TryGetValue(peer, out var own);
            var wildcard = false;
            string? wildcardBy = null;
            var sources = new List<PeerAccumulator>(2);
            if (own is not null)
            {
                sources.Add(own);
            }
            if (peer != 0 && anyPeer is not null)
            {
                sources.Add(anyPeer);
            }
            if (widen.TryGetValue(peer, out var w) || (peer != 0 && (w = widenAll) is not null))
            {
                wildcard = true;
                wildcardBy = w.PolicyName;
            }
            if (sources.Count == 0 && !wildcard)
            {
                continue;
            }
            var rules = new List<IL7Rule>();
            foreach (var s in sources)
            {
                if (s.Wildcard)
                {
                    wildcard = true;
                    wildcardBy ??= s.WildcardBy;
                }
                rules.AddRange(s.Rules);
            }
            var first = sources.Count > 0 ? sources[0] : w!;
            emitted[(peer, port)] = Entry(peer, port, PolicyAction.Redirect, parser, first.PolicyName, first.RulePath);
            l7[new L7Key(direction, port.Protocol, port.Port, peer)] = BuildSet(parser, wildcard, wildcardBy ?? first.PolicyName, rules, first.PolicyName);
        }
    }

    private void ApplyDenies(Dictionary<(uint, PortKey), L4PolicyEntry> emitted, Dictionary<L7Key, L7RuleSet> l7)
    {
        if (_denies.Count == 0)
        {
            return;
        }
        var allows = new List<L4PolicyEntry>(emitted.Values);
        foreach (var (peer, port, policy, path) in _denies)
        {
            emitted[(peer, port)] = Entry(peer, port, PolicyAction.Deny, L7Parser.None, policy, path);
            l7.Remove(new L7Key(direction, port.Protocol, port.Port, peer));
            foreach (var e in allows)
            {
                if (e.Action == PolicyAction.Deny || (peer != 0 && e.RemoteIdentity != 0 && e.RemoteIdentity != peer))
                {
                    continue;
                }
                var ePort = new PortKey(e.Protocol, e.Port, e.EndPort);
                if (!port.Overlaps(ePort))
                {
                    continue;
                }
                if ((peer == 0 || peer == e.RemoteIdentity) && port.Covers(ePort))
                {
                    emitted[(e.RemoteIdentity, ePort)] = Entry(e.RemoteIdentity, ePort, PolicyAction.Deny, L7Parser.None, policy, path);
                    l7.Remove(new L7Key(direction, e.Protocol, e.Port, e.RemoteIdentity));
                    continue;
                }
                var id = peer != 0 ? peer : e.RemoteIdentity;
                var proto = port.Protocol != 0 ? port.Protocol : e.Protocol;
                var cut = PortKey.FromRange(proto, Math.Max(port.Lo, ePort.Lo), Math.Min(port.Hi, ePort.Hi));
                emitted[(id, cut)] = Entry(id, cut, PolicyAction.Deny, L7Parser.None, policy, path);
                l7.Remove(new L7Key(direction, cut.Protocol, cut.Port, id));
            }
        }
    }

    private L7RuleSet BuildSet(L7Parser parser, bool wildcard, string wildcardBy, List<IL7Rule> rules, string decider)
    {
        if (wildcard)
        {
            return L7RuleSet.AllowAllOf(parser, wildcardBy);
        }
        // Peers allowed the same rules share one immutable set (see L7SetCache).
        if (sets.TryGet(parser, decider, rules, out var key, out var shared))
        {
            return shared;
        }
        var set = L7RuleSet.Create(parser, rules, decider);
        sets.Add(key, set);
        return set;
    }

    private static L7Parser ParserOf(Dictionary<uint, PeerAccumulator> peers)
    {
        foreach (var acc in peers.Values)
        {
            if (acc.Parser != L7Parser.None)
            {
                return acc.Parser;
            }
        }
        return L7Parser.None;
    }

    private L4PolicyEntry Entry(uint peer, PortKey port, PolicyAction action, L7Parser parser, string? policy, string? path) =>
        new(direction, peer, port.Protocol, port.Port, port.EndPort, action, parser, policy) { RulePath = path };
}
