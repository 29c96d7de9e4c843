using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>
/// Reads a Kubernetes <c>NetworkPolicy</c> spec and converts it to the
/// equivalent Cilium <see cref="Rule"/> (L3/L4 only): podSelector → endpointSelector,
/// from/to peers → endpoint selectors (namespaceSelector via namespace labels) or
/// CIDR sets, policyTypes → default deny even without rules.
/// </summary>
internal static class NetworkPolicyReader
{
    private static readonly string[] Fields = ["podSelector", "policyTypes", "ingress", "egress"];
    private static readonly string[] IngressFields = ["from", "ports"];
    private static readonly string[] EgressFields = ["to", "ports"];
    private static readonly string[] PeerFields = ["podSelector", "namespaceSelector", "ipBlock"];
    private static readonly string[] IpBlockFields = ["cidr", "except"];
    private static readonly string[] PortFields = ["port", "endPort", "protocol"];
    private static readonly string[] PolicyTypes = ["Ingress", "Egress"];
    private static readonly string[] ProtocolNames = ["TCP", "UDP", "SCTP"];

    public static Rule? Read(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, Fields);
        if (f is null)
        {
            return null;
        }
        EndpointSelector? podSelector = null;
        if (!f.TryGetValue("podSelector", out var ps))
        {
            ctx.Error(node, path + ".podSelector", null, "is required (podSelector: {} selects every pod of the namespace).");
        }
        else
        {
            podSelector = SelectorReader.Read(ctx, ps, path + ".podSelector");
        }
        var types = new List<string>();
        if (f.TryGetValue("policyTypes", out var ptNode) && YamlNodes.Strings(ctx, ptNode, path + ".policyTypes") is { } pts)
        {
            foreach (var (t, tn) in pts)
            {
                if (!PolicyTypes.Contains(t))
                {
                    ctx.Error(tn, path + ".policyTypes", t, "is not a policy type; " + Suggestions.Hint(t, PolicyTypes));
                }
                types.Add(t);
            }
        }
        else
        {
            types.Add("Ingress");
            if (f.ContainsKey("egress"))
            {
                types.Add("Egress");
            }
        }
        var ingress = new List<IngressRule>();
        if (f.TryGetValue("ingress", out var ingNode) && YamlNodes.Sequence(ctx, ingNode, path + ".ingress") is { } ingItems)
        {
            for (var i = 0; i < ingItems.Count; i++)
            {
                ReadDirection(ctx, ingItems[i], path + ".ingress[" + i + "]", "from", IngressFields, ingress, egress: null);
            }
        }
        var egress = new List<EgressRule>();
        if (f.TryGetValue("egress", out var egNode) && YamlNodes.Sequence(ctx, egNode, path + ".egress") is { } egItems)
        {
            for (var i = 0; i < egItems.Count; i++)
            {
                ReadDirection(ctx, egItems[i], path + ".egress[" + i + "]", "to", EgressFields, ingress: null, egress);
            }
        }
        var hasIngress = types.Contains("Ingress");
        var hasEgress = types.Contains("Egress");
        if (hasIngress && ingress.Count == 0)
        {
            ingress.Add(new IngressRule()); // selects nothing: default deny
        }
        if (hasEgress && egress.Count == 0)
        {
            egress.Add(new EgressRule());
        }
        return new Rule
        {
            Path = path,
            EndpointSelector = podSelector ?? EndpointSelector.All,
            Ingress = hasIngress ? ingress : null,
            Egress = hasEgress ? egress : null,
        };
    }

    private static void ReadDirection(DocumentContext ctx, YamlNode node, string path, string peersField, string[] fields,
        List<IngressRule>? ingress, List<EgressRule>? egress)
    {
        var f = YamlNodes.Mapping(ctx, node, path, fields);
        f ??= [];
        var ports = f.TryGetValue("ports", out var portsNode) ? ReadPorts(ctx, portsNode, path + ".ports") : null;
        var toPorts = ports is { Count: > 0 } ? new List<PortRule> { new() { Ports = ports } } : null;
        var selectors = new List<EndpointSelector>();
        var cidrs = new List<CidrRule>();
        var hasPeers = f.TryGetValue(peersField, out var peersNode) && peersNode is YamlSequenceNode { Children.Count: > 0 };
        if (hasPeers && YamlNodes.Sequence(ctx, peersNode!, path + "." + peersField) is { } peers)
        {
            for (var i = 0; i < peers.Count; i++)
            {
                ReadPeer(ctx, peers[i], path + "." + peersField + "[" + i + "]", selectors, cidrs);
            }
        }
        if (!hasPeers)
        {
            // No peers: every source/destination (on the given ports, or all ports).
            if (ingress is not null)
            {
                ingress.Add(toPorts is null ? new IngressRule { FromEntities = ["all"] } : new IngressRule { ToPorts = toPorts });
            }
            else
            {
                egress!.Add(toPorts is null ? new EgressRule { ToEntities = ["all"] } : new EgressRule { ToPorts = toPorts });
            }
            return;
        }
        if (selectors.Count > 0)
        {
            if (ingress is not null)
            {
                ingress.Add(new IngressRule { FromEndpoints = selectors, ToPorts = toPorts });
            }
            else
            {
                egress!.Add(new EgressRule { ToEndpoints = selectors, ToPorts = toPorts });
            }
        }
        if (cidrs.Count > 0)
        {
            if (ingress is not null)
            {
                ingress.Add(new IngressRule { FromCidrSet = cidrs, ToPorts = toPorts });
            }
            else
            {
                egress!.Add(new EgressRule { ToCidrSet = cidrs, ToPorts = toPorts });
            }
        }
    }

    private static void ReadPeer(DocumentContext ctx, YamlNode node, string path, List<EndpointSelector> selectors, List<CidrRule> cidrs)
    {
        var f = YamlNodes.Mapping(ctx, node, path, PeerFields);
        if (f is null)
        {
            return;
        }
        if (f.TryGetValue("ipBlock", out var ipNode))
        {
            if (f.ContainsKey("podSelector") || f.ContainsKey("namespaceSelector"))
            {
                ctx.Error(ipNode, path + ".ipBlock", null, "cannot be combined with podSelector/namespaceSelector in one peer; split them.");
            }
            if (YamlNodes.Mapping(ctx, ipNode, path + ".ipBlock", IpBlockFields) is not null &&
                PeerReader.ReadCidrSets(ctx, new YamlSequenceNode(ipNode), path + ".ipBlock") is { Count: 1 } set)
            {
                cidrs.Add(set[0]);
            }
            return;
        }
        var pod = f.TryGetValue("podSelector", out var ps) ? SelectorReader.Read(ctx, ps, path + ".podSelector") : EndpointSelector.All;
        if (pod is null)
        {
            return;
        }
        if (!f.TryGetValue("namespaceSelector", out var nsNode))
        {
            selectors.Add(pod); // same namespace: scoped by the resolver
            return;
        }
        var nsSel = SelectorReader.Read(ctx, nsNode, path + ".namespaceSelector");
        if (nsSel is null)
        {
            return;
        }
        var labels = new Dictionary<string, string>(pod.MatchLabels);
        var expressions = new List<LabelSelectorRequirement>(pod.MatchExpressions)
        {
            new() { Key = "k8s:" + Identity.Label.NamespaceKey, Operator = LabelSelectorRequirement.OpExists },
        };
        foreach (var (k, v) in nsSel.MatchLabels)
        {
            labels[NamespaceLabelKey(k)] = v;
        }
        foreach (var req in nsSel.MatchExpressions)
        {
            expressions.Add(req with { Key = NamespaceLabelKey(req.Key) });
        }
        selectors.Add(new EndpointSelector { MatchLabels = labels, MatchExpressions = expressions });
    }

    private static string NamespaceLabelKey(string key) =>
        key == "kubernetes.io/metadata.name" ? "k8s:" + Identity.Label.NamespaceKey : "k8s:io.cilium.k8s.namespace.labels." + key;

    private static List<PortProtocol>? ReadPorts(DocumentContext ctx, YamlNode node, string path)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return null;
        }
        var list = new List<PortProtocol>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = path + "[" + i + "]";
            var f = YamlNodes.Mapping(ctx, items[i], p, PortFields);
            if (f is null)
            {
                continue;
            }
            var protocol = "TCP";
            if (f.TryGetValue("protocol", out var pn) && YamlNodes.Scalar(ctx, pn, p + ".protocol") is { } proto)
            {
                if (!ProtocolNames.Contains(proto))
                {
                    ctx.Error(pn, p + ".protocol", proto, "is not a protocol; " + Suggestions.Hint(proto, ProtocolNames));
                }
                protocol = proto;
            }
            var port = "0";
            if (f.TryGetValue("port", out var portNode) && YamlNodes.Scalar(ctx, portNode, p + ".port") is { } text)
            {
                var isNumber = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n);
                if ((isNumber && (n == 0 || n > 65535)) || (!isNumber && !NameRules.IsPortName(text)))
                {
                    ctx.Error(portNode, p + ".port", text, "is neither a port number (1-65535) nor a valid named port.");
                }
                port = text;
            }
            int? endPort = f.TryGetValue("endPort", out var en) ? YamlNodes.Int(ctx, en, p + ".endPort", 1, 65535) : null;
            list.Add(new PortProtocol { Port = port, EndPort = endPort, Protocol = protocol });
        }
        return list;
    }
}
