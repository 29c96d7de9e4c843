using CiliumL7.Policy.Api;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Resolution;

/// <summary>Turns one rule's ingress/egress sections into <see cref="Contribution"/>s (peers expanded, L7 compiled).</summary>
internal static class ContributionFactory
{
    public static List<Contribution> Create(PolicyResource policy, Rule rule, ResolveContext ctx)
    {
        var list = new List<Contribution>();
        var scope = policy.IsClusterwide ? null : policy.Namespace ?? "default";
        var name = policy.QualifiedName;
        var visibilityIn = rule.EnableDefaultDeny?.Ingress == false;
        var visibilityEg = rule.EnableDefaultDeny?.Egress == false;
        Section(list, rule.Ingress, rule.Path + ".ingress", TrafficDirection.Ingress, false, visibilityIn);
        Section(list, rule.IngressDeny, rule.Path + ".ingressDeny", TrafficDirection.Ingress, true, false);
        Section(list, rule.Egress, rule.Path + ".egress", TrafficDirection.Egress, false, visibilityEg);
        Section(list, rule.EgressDeny, rule.Path + ".egressDeny", TrafficDirection.Egress, true, false);
        return list;

        void Section<T>(List<Contribution> output, IReadOnlyList<T>? items, string path, TrafficDirection direction, bool deny, bool visibility)
            where T : class
        {
            if (items is null)
            {
                return;
            }
            for (var i = 0; i < items.Count; i++)
            {
                var itemPath = path + "[" + i + "]";
                var (peers, toPorts, icmps) = items[i] switch
                {
                    IngressRule r => (IngressPeers(r, ctx, scope, policy.IsClusterwide), r.ToPorts, r.Icmps),
                    EgressRule r => (EgressPeers(r, ctx, scope, policy.IsClusterwide), r.ToPorts, r.Icmps),
                    _ => throw new InvalidOperationException(),
                };
                if (peers is null)
                {
                    if (toPorts is null && icmps is null)
                    {
                        continue; // "{}": selects nothing, only enables default deny
                    }
                    peers = [0];
                }
                var fqdns = items[i] is EgressRule { ToFqdns: { } fqdnSelectors } er && er.ToEndpoints is null && er.ToCidr is null && er.ToCidrSet is null
                    && er.ToEntities is null && er.ToNodes is null ? fqdnSelectors : null;
                if (peers.Length == 0 && fqdns is null)
                {
                    continue; // a toFQDNs rule stays (no peers yet) so that an address learned later finds it
                }
                if (icmps is not null)
                {
                    var ports = new List<PortKey>();
                    foreach (var icmp in icmps)
                    {
                        foreach (var f in icmp.Fields)
                        {
                            var proto = f.Family == "IPv6" ? Protocols.Icmpv6 : Protocols.Icmp;
                            ports.Add(new PortKey(proto, (ushort)f.Type, (ushort)f.Type));
                        }
                    }
                    output.Add(new Contribution { Direction = direction, IsDeny = deny, Peers = peers, Ports = ports, PolicyName = name, RulePath = itemPath + ".icmps" });
                    continue;
                }
                if (toPorts is null)
                {
                    output.Add(new Contribution { Direction = direction, IsDeny = deny, Peers = peers, Ports = [PortKey.Any], PolicyName = name, RulePath = itemPath, FqdnSelectors = fqdns });
                    continue;
                }
                for (var j = 0; j < toPorts.Count; j++)
                {
                    var portPath = itemPath + ".toPorts[" + j + "]";
                    var (parser, rules) = CompileL7(toPorts[j].Rules, name, portPath + ".rules");
                    var ports = ExpandPorts(toPorts[j].Ports, parser);
                    if (ports.Count == 0)
                    {
                        continue;
                    }
                    output.Add(new Contribution
                    {
                        Direction = direction, IsDeny = deny, Peers = peers, Ports = ports, Parser = deny ? L7Parser.None : parser,
                        L7Rules = rules, VisibilityOnly = visibility, PolicyName = name, RulePath = portPath, FqdnSelectors = fqdns,
                    });
                }
            }
        }
    }

    private static uint[]? IngressPeers(IngressRule r, ResolveContext ctx, string? scope, bool clusterwide) =>
        Endpoints(r.FromEndpoints, ctx, scope, clusterwide) ?? Cidrs(r.FromCidr, r.FromCidrSet, ctx) ?? EntitiesOf(r.FromEntities, ctx) ?? Nodes(r.FromNodes);

    private static uint[]? EgressPeers(EgressRule r, ResolveContext ctx, string? scope, bool clusterwide) =>
        Endpoints(r.ToEndpoints, ctx, scope, clusterwide) ?? Cidrs(r.ToCidr, r.ToCidrSet, ctx) ?? EntitiesOf(r.ToEntities, ctx) ?? Nodes(r.ToNodes)
        ?? Fqdns(r.ToFqdns, ctx)
        ?? (r.ToServices is not null ? [] : null); // services: not resolved yet

    private static uint[]? Fqdns(IReadOnlyList<FqdnSelector>? selectors, ResolveContext ctx)
    {
        if (selectors is null)
        {
            return null;
        }
        var ids = new SortedSet<uint>();
        foreach (var s in selectors)
        {
            ids.UnionWith(ctx.Fqdn(s));
        }
        return [.. ids]; // empty until a DNS answer taught a matching name: nothing allowed
    }

    private static uint[]? Endpoints(IReadOnlyList<EndpointSelector>? selectors, ResolveContext ctx, string? scope, bool clusterwide)
    {
        if (selectors is null)
        {
            return null;
        }
        if (selectors.Count == 1)
        {
            return ctx.Universe.Select(selectors[0], NamespaceScope.For(selectors[0], clusterwide ? null : scope, clusterwide));
        }
        var ids = new SortedSet<uint>();
        foreach (var s in selectors)
        {
            ids.UnionWith(ctx.Universe.Select(s, NamespaceScope.For(s, clusterwide ? null : scope, clusterwide)));
        }
        return [.. ids];
    }

    private static uint[]? Cidrs(IReadOnlyList<string>? cidrs, IReadOnlyList<CidrRule>? sets, ResolveContext ctx)
    {
        if (cidrs is null && sets is null)
        {
            return null;
        }
        var ids = new SortedSet<uint>();
        foreach (var c in cidrs ?? [])
        {
            ids.UnionWith(ctx.Cidr(c, []));
        }
        foreach (var s in sets ?? [])
        {
            ids.UnionWith(ctx.Cidr(s.Cidr, s.Except));
        }
        return [.. ids];
    }

    private static uint[]? EntitiesOf(IReadOnlyList<string>? entities, ResolveContext ctx)
    {
        if (entities is null)
        {
            return null;
        }
        var ids = new SortedSet<uint>();
        foreach (var e in entities)
        {
            ids.UnionWith(ctx.Entity(e));
        }
        return ids.Contains(0) ? [0] : [.. ids];
    }

    private static uint[]? Nodes(IReadOnlyList<EndpointSelector>? nodes) =>
        nodes is null ? null : [Identity.ReservedIdentity.Host, Identity.ReservedIdentity.RemoteNode];

    private static List<PortKey> ExpandPorts(IReadOnlyList<PortProtocol> ports, L7Parser parser)
    {
        var list = new List<PortKey>();
        if (ports.Count == 0)
        {
            list.Add(PortKey.Any);
            return list;
        }
        foreach (var p in ports)
        {
            if (p.PortNumber is not { } port || port > 65535)
            {
                continue; // named ports are not resolved (no container port data yet)
            }
            var end = p.EndPort is { } e && e > port ? e : port;
            if (!Protocols.TryParse(p.Protocol, out var proto))
            {
                continue;
            }
            byte[] protos = proto != Protocols.Any ? [proto]
                : parser is L7Parser.Http or L7Parser.Kafka ? [Protocols.Tcp]
                : parser == L7Parser.Dns ? [Protocols.Udp, Protocols.Tcp]
                : port == 0 ? [Protocols.Any]
                : [Protocols.Tcp, Protocols.Udp, Protocols.Sctp];
            foreach (var pr in protos)
            {
                list.Add(port == 0 ? new PortKey(pr, 0, 0) : new PortKey(pr, (ushort)port, (ushort)end));
            }
        }
        return list;
    }

    private static (L7Parser, IReadOnlyList<IL7Rule>) CompileL7(L7Rules? rules, string policyName, string path)
    {
        if (rules is null)
        {
            return (L7Parser.None, []);
        }
        var list = new List<IL7Rule>();
        if (rules.Http is not null)
        {
            for (var i = 0; i < rules.Http.Count; i++)
            {
                var h = rules.Http[i];
                var matches = new List<(string, string?, string?)>();
                foreach (var m in h.HeaderMatches ?? [])
                {
                    matches.Add((m.Name, m.Value, m.Mismatch));
                }
                list.Add(new HttpRule(h.Method, h.Path, h.Host, h.Headers, matches, policyName, path + ".http[" + i + "]"));
            }
            return (L7Parser.Http, list);
        }
        if (rules.Dns is not null)
        {
            for (var i = 0; i < rules.Dns.Count; i++)
            {
                list.Add(new DnsRule(rules.Dns[i].MatchName, rules.Dns[i].MatchPattern, policyName, path + ".dns[" + i + "]"));
            }
            return (L7Parser.Dns, list);
        }
        if (rules.Kafka is not null)
        {
            for (var i = 0; i < rules.Kafka.Count; i++)
            {
                list.Add(KafkaRule.FromSpec(rules.Kafka[i], policyName, path + ".kafka[" + i + "]"));
            }
            return (L7Parser.Kafka, list);
        }
        return (L7Parser.None, []);
    }
}
