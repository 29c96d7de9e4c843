using YamlDotNet.RepresentationModel;

namespace CiliumL7.Policy.Api.Reading;

/// <summary>
/// Reads <c>toPorts</c> items and enforces the port/L7 constraints: ≤40 ports,
/// valid numbers/names/ranges/protocols, L7 only on a given TCP port (DNS also
/// UDP), never with port 0 or a range, never in deny rules, DNS only on egress.
/// </summary>
internal static class PortRuleReader
{
    private static readonly string[] Fields = ["ports", "rules", "serverNames", "terminatingTLS", "originatingTLS", "listener"];
    private static readonly string[] PortFields = ["port", "endPort", "protocol"];
    private static readonly string[] ProtocolNames = ["TCP", "UDP", "SCTP", "ANY"];
    private static readonly string[] UnsupportedFields = ["terminatingTLS", "originatingTLS", "listener"];

    public static IReadOnlyList<PortRule>? ReadList(DocumentContext ctx, YamlNode node, string path, bool deny, bool ingress)
    {
        var items = YamlNodes.Sequence(ctx, node, path);
        if (items is null)
        {
            return YamlNodes.IsNull(node) ? [] : null;
        }
        var list = new List<PortRule>();
        for (var i = 0; i < items.Count; i++)
        {
            if (Read(ctx, items[i], path + "[" + i + "]", deny, ingress) is { } r)
            {
                list.Add(r);
            }
        }
        return list;
    }

    private static PortRule? Read(DocumentContext ctx, YamlNode node, string path, bool deny, bool ingress)
    {
        var f = YamlNodes.Mapping(ctx, node, path, Fields);
        if (f is null)
        {
            return null;
        }
        var ports = new List<PortProtocol>();
        var portsGiven = false;
        if (f.TryGetValue("ports", out var portsNode) && YamlNodes.Sequence(ctx, portsNode, path + ".ports") is { } items)
        {
            portsGiven = items.Count > 0;
            if (items.Count > 40)
            {
                ctx.Error(portsNode, path + ".ports", null, $"has {items.Count} ports; at most 40 are allowed per toPorts item, split it or use endPort ranges.");
            }
            for (var i = 0; i < items.Count; i++)
            {
                if (ReadPort(ctx, items[i], path + ".ports[" + i + "]") is { } p)
                {
                    ports.Add(p);
                }
            }
        }
        foreach (var tls in UnsupportedFields)
        {
            if (f.TryGetValue(tls, out var t))
            {
                ctx.Error(t, path + "." + tls, null, "is not supported by CiliumL7 (no TLS interception or custom listeners); remove it.");
            }
        }
        IReadOnlyList<string>? serverNames = null;
        if (f.TryGetValue("serverNames", out var sn) && YamlNodes.Strings(ctx, sn, path + ".serverNames") is { } names)
        {
            serverNames = names.Select(n => n.Value).ToList();
            if (deny)
            {
                ctx.Error(sn, path + ".serverNames", null, "is not allowed in a deny rule; deny rules carry ports only.");
            }
        }
        L7Rules? rules = null;
        if (f.TryGetValue("rules", out var rulesNode))
        {
            if (deny)
            {
                ctx.Error(rulesNode, path + ".rules", null, "is not allowed in a deny rule: deny rules carry ports only (a deny always wins, so L7 rules would never apply).");
            }
            else
            {
                rules = L7Reader.Read(ctx, rulesNode, path + ".rules");
                if (rules is not null)
                {
                    CheckL7Ports(ctx, rulesNode, path, rules, ports, portsGiven, ingress);
                }
            }
        }
        return new PortRule { Ports = ports, Rules = rules, ServerNames = serverNames };
    }

    private static void CheckL7Ports(DocumentContext ctx, YamlNode rulesNode, string path, L7Rules rules, List<PortProtocol> ports, bool portsGiven, bool ingress)
    {
        var isDns = rules.Dns is not null;
        if (isDns && ingress)
        {
            ctx.Error(rulesNode, path + ".rules.dns", null, "is only valid on egress: DNS rules filter the lookups a pod makes; move them to an egress rule with port 53.");
        }
        if (rules.Http is null && rules.Dns is null && rules.Kafka is null)
        {
            return;
        }
        if (ports.Count == 0)
        {
            if (portsGiven)
            {
                return; // the ports themselves were reported
            }
            ctx.Error(rulesNode, path + ".ports", null, isDns
                ? "is required with DNS rules: add ports: [{port: \"53\", protocol: ANY}]."
                : "is required with L7 rules: name the port the L7 rules apply to (e.g. port: \"80\", protocol: TCP).");
            return;
        }
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var portPath = path + ".ports[" + i + "]";
            if (p.PortNumber == 0)
            {
                ctx.Error(rulesNode, portPath + ".port", "0", "cannot carry L7 rules: L7 rules need a specific port, not every port.");
            }
            if (p.EndPort is not null && p.EndPort != p.PortNumber)
            {
                ctx.Error(rulesNode, portPath + ".endPort", p.EndPort.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "cannot carry L7 rules: L7 rules apply to one port, not a range; list the L7 port separately.");
            }
            if (!isDns && p.Protocol is "UDP" or "SCTP")
            {
                ctx.Error(rulesNode, portPath + ".protocol", p.Protocol, "cannot carry HTTP/Kafka rules: L7 rules apply to TCP only (DNS excepted); use protocol TCP.");
            }
        }
    }

    private static PortProtocol? ReadPort(DocumentContext ctx, YamlNode node, string path)
    {
        var f = YamlNodes.Mapping(ctx, node, path, PortFields);
        if (f is null)
        {
            return null;
        }
        var ok = true;
        string port = "0";
        if (!f.TryGetValue("port", out var portNode))
        {
            ctx.Error(node, path + ".port", null, "is required (a number, a named port, or \"0\" for every port).");
            ok = false;
        }
        else if (YamlNodes.Scalar(ctx, portNode, path + ".port") is { } text)
        {
            port = text;
            var isNumber = int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n);
            if (isNumber && n > 65535)
            {
                ctx.Error(portNode, path + ".port", text, "is not a port number (0-65535).");
                ok = false;
            }
            else if (!isNumber && !NameRules.IsPortName(text))
            {
                ctx.Error(portNode, path + ".port", text, "is neither a port number (0-65535) nor a valid named port (lower-case letters, digits and '-', at most 15 characters).");
                ok = false;
            }
        }
        int? endPort = null;
        if (f.TryGetValue("endPort", out var endNode))
        {
            endPort = YamlNodes.Int(ctx, endNode, path + ".endPort", 0, 65535);
            var start = int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : (int?)null;
            if (endPort is { } e && start is null)
            {
                ctx.Error(endNode, path + ".endPort", e.ToString(System.Globalization.CultureInfo.InvariantCulture), "cannot be used with a named port; give a numeric port.");
                ok = false;
            }
            else if (endPort is { } e2 && start is { } st && (st == 0 || e2 < st))
            {
                ctx.Error(endNode, path + ".endPort", e2.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    st == 0 ? "needs a non-zero port to start the range." : $"is below port {st}; endPort must be ≥ port.");
                ok = false;
            }
        }
        var protocol = "ANY";
        if (f.TryGetValue("protocol", out var protoNode) && YamlNodes.Scalar(ctx, protoNode, path + ".protocol") is { } proto)
        {
            if (!ProtocolNames.Contains(proto))
            {
                ctx.Error(protoNode, path + ".protocol", proto, "is not a protocol; " + Suggestions.Hint(proto, ProtocolNames));
                ok = false;
            }
            protocol = proto;
        }
        return ok ? new PortProtocol { Port = port, EndPort = endPort, Protocol = protocol } : null;
    }
}
