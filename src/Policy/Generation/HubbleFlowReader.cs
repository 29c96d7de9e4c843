using System.Globalization;
using System.Net;
using System.Text.Json;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Generation;

/// <summary>
/// Reads flows in Hubble's JSON form (<c>hubble observe -o json</c>, the
/// agent's export file: one <c>{"flow":{…}}</c> object per line; a bare flow
/// object is accepted too). Lines that are not flows (node status, lost
/// events) are skipped; a line that is not JSON is an error naming its line.
/// </summary>
public static class HubbleFlowReader
{
    /// <summary>The most lines one read accepts (memory stays bounded).</summary>
    public const int MaxLines = 1_000_000;

    /// <summary>Parses <paramref name="lines"/>; <paramref name="source"/> names the input in errors.</summary>
    public static (IReadOnlyList<ObservedFlow> Flows, IReadOnlyList<string> Errors) Read(IEnumerable<string> lines, string source)
    {
        var flows = new List<ObservedFlow>();
        var errors = new List<string>();
        var n = 0;
        foreach (var raw in lines)
        {
            n++;
            if (n > MaxLines)
            {
                errors.Add(source + ": more than " + MaxLines + " lines; narrow the input (--since, --namespace) and try again.");
                break;
            }
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(source + ":" + n + ": not a JSON object; expected one Hubble flow per line (ciliuml7 observe -o json).");
                    continue;
                }
                var flow = root.TryGetProperty("flow", out var f) ? f : root;
                if (flow.ValueKind != JsonValueKind.Object || !flow.TryGetProperty("source", out _) && !flow.TryGetProperty("IP", out _))
                {
                    continue; // node_status, lost_events, ...
                }
                if (Convert(flow, n) is { } observed)
                {
                    flows.Add(observed);
                }
            }
            catch (JsonException e)
            {
                errors.Add(source + ":" + n + ": not valid JSON (" + e.Message + "); expected one Hubble flow per line (ciliuml7 observe -o json).");
            }
        }
        return (flows, errors);
    }

    private static ObservedFlow? Convert(JsonElement flow, int line)
    {
        var time = flow.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUniversalTime() : DateTimeOffset.UnixEpoch;
        IPAddress? srcIp = null, dstIp = null;
        if (flow.TryGetProperty("IP", out var ip))
        {
            srcIp = ParseIp(ip, "source");
            dstIp = ParseIp(ip, "destination");
        }
        var (protocol, srcPort, dstPort) = L4(flow);
        var isReply = flow.TryGetProperty("is_reply", out var r) && r.ValueKind == JsonValueKind.True;
        var src = Peer(flow, "source", srcIp, "source_names");
        var dst = Peer(flow, "destination", dstIp, "destination_names");
        var kind = ObservedL7Kind.None;
        string? method = null, path = null, query = null;
        var addresses = new List<IPAddress>();
        if (flow.TryGetProperty("l7", out var l7) && l7.ValueKind == JsonValueKind.Object)
        {
            var l7Type = Text(l7, "type");
            if (l7.TryGetProperty("http", out var http) && l7Type is "REQUEST" or "1")
            {
                kind = ObservedL7Kind.HttpRequest;
                method = Text(http, "method");
                path = PathOf(Text(http, "url"));
            }
            else if (l7.TryGetProperty("dns", out var dns))
            {
                query = Text(dns, "query")?.TrimEnd('.').ToLowerInvariant();
                kind = l7Type is "RESPONSE" or "2" ? ObservedL7Kind.DnsResponse : ObservedL7Kind.DnsRequest;
                if (dns.TryGetProperty("ips", out var ips) && ips.ValueKind == JsonValueKind.Array)
                {
                    foreach (var a in ips.EnumerateArray())
                    {
                        if (a.ValueKind == JsonValueKind.String && IPAddress.TryParse(a.GetString(), out var addr))
                        {
                            addresses.Add(addr);
                        }
                    }
                }
            }
            else
            {
                return null; // HTTP responses, Kafka: the request or the L3/L4 event already tells
            }
        }
        if (isReply && kind != ObservedL7Kind.DnsResponse)
        {
            return null; // replies open nothing new
        }
        if (kind == ObservedL7Kind.DnsResponse || isReply)
        {
            // A response travels server → client: turn it around so Source is the client.
            (src, dst) = (dst, src);
            dstPort = srcPort;
        }
        if (src is null || dst is null)
        {
            return null;
        }
        return new ObservedFlow
        {
            Time = time, Verdict = Text(flow, "verdict") ?? "UNKNOWN", Source = src, Destination = dst,
            Protocol = protocol, Port = dstPort, L7 = kind, HttpMethod = method, HttpPath = path,
            DnsQuery = query, DnsAddresses = addresses, Line = line,
        };
    }

    private static (byte Protocol, ushort SourcePort, ushort DestinationPort) L4(JsonElement flow)
    {
        if (!flow.TryGetProperty("l4", out var l4) || l4.ValueKind != JsonValueKind.Object)
        {
            return (0, 0, 0);
        }
        foreach (var (name, number) in new[] { ("TCP", Protocols.Tcp), ("UDP", Protocols.Udp), ("SCTP", Protocols.Sctp) })
        {
            if (l4.TryGetProperty(name, out var p))
            {
                return (number, Port(p, "source_port"), Port(p, "destination_port"));
            }
        }
        return (0, 0, 0);
    }

    private static ushort Port(JsonElement e, string name)
        => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetUInt16(out var port) ? port : (ushort)0;

    private static ObservedPeer? Peer(JsonElement flow, string side, IPAddress? address, string namesField)
    {
        var names = new List<string>();
        if (flow.TryGetProperty(namesField, out var n) && n.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in n.EnumerateArray())
            {
                if (name.GetString() is { Length: > 0 } s)
                {
                    names.Add(s.TrimEnd('.').ToLowerInvariant());
                }
            }
        }
        uint identity = 0;
        var labels = new List<Label>();
        string? ns = null;
        if (flow.TryGetProperty(side, out var ep) && ep.ValueKind == JsonValueKind.Object)
        {
            if (ep.TryGetProperty("identity", out var id) && id.ValueKind == JsonValueKind.Number)
            {
                id.TryGetUInt32(out identity);
            }
            ns = Text(ep, "namespace");
            if (ep.TryGetProperty("labels", out var ls) && ls.ValueKind == JsonValueKind.Array)
            {
                foreach (var l in ls.EnumerateArray())
                {
                    if (l.GetString() is { Length: > 0 } s)
                    {
                        labels.Add(Label.Parse(s));
                    }
                }
            }
        }
        var reserved = labels.Where(l => l.Source == Label.SourceReserved).Select(l => l.Key).ToList();
        var isWorld = identity is ReservedIdentity.World or ReservedIdentity.WorldIpv4 or ReservedIdentity.WorldIpv6
            || ReservedIdentity.IsLocal(identity) || reserved.Any(r => r.StartsWith("world", StringComparison.Ordinal))
            || labels.Any(l => l.Source == Label.SourceCidr);
        if (isWorld)
        {
            return address is null ? null : new ObservedPeer { Kind = ObservedPeerKind.World, Address = address, Names = names };
        }
        if (ReservedIdentity.IsReserved(identity) && ReservedIdentity.Names.TryGetValue(identity, out var entity))
        {
            return new ObservedPeer { Kind = ObservedPeerKind.Entity, Entity = entity, Address = address };
        }
        if (reserved.Count > 0)
        {
            return new ObservedPeer { Kind = ObservedPeerKind.Entity, Entity = reserved[0], Address = address };
        }
        if (labels.Count == 0)
        {
            // No identity information: outside the cluster as far as policy can tell.
            return address is null ? null : new ObservedPeer { Kind = ObservedPeerKind.World, Address = address, Names = names };
        }
        ns ??= labels.FirstOrDefault(l => l.Key == Label.NamespaceKey).Value ?? "default";
        if (!labels.Any(l => l.Key == Label.NamespaceKey))
        {
            labels.Add(Label.K8s(Label.NamespaceKey, ns));
        }
        return new ObservedPeer { Kind = ObservedPeerKind.Workload, Labels = SecurityLabels.Filter(labels), Namespace = ns, Address = address };
    }

    private static IPAddress? ParseIp(JsonElement ip, string name)
        => Text(ip, name) is { } s && IPAddress.TryParse(s, out var a) ? a : null;

    private static string? Text(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        };
    }

    /// <summary>The origin-form path (with query) of an absolute or origin-form URL.</summary>
    internal static string? PathOf(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }
        if (url.StartsWith('/'))
        {
            return url;
        }
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return "/" + url;
        }
        var slash = url.IndexOf('/', scheme + 3);
        var q = url.IndexOf('?', scheme + 3);
        if (slash < 0 || (q >= 0 && q < slash))
        {
            return q < 0 ? "/" : "/" + url[q..];
        }
        return url[slash..];
    }
}
