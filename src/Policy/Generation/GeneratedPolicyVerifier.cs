using System.Net;
using CiliumL7.Policy.Api;
using CiliumL7.Policy.Identity;
using CiliumL7.Policy.Resolution;
using CiliumL7.Policy.Tracing;

namespace CiliumL7.Policy.Generation;

/// <summary>
/// Replays every observed flow through <see cref="PolicyTracer"/> against the
/// generated policies (all must be ALLOWED), then tries unobserved neighbours —
/// another peer, another port, another method and path, another DNS name —
/// which least privilege must refuse.
/// </summary>
public static class GeneratedPolicyVerifier
{
    private const int SampleSize = 12;

    /// <summary>Verifies <paramref name="result"/>.</summary>
    public static VerifyReport Verify(GenerationResult result, GenerationOptions options)
    {
        var parsed = PolicyParser.ParseText(result.Yaml, "generated");
        var errors = parsed.Errors.Select(e => e.ToString()).ToList();
        if (!parsed.IsValid)
        {
            return new VerifyReport
            {
                ValidationErrors = errors, Replayed = 0, Allowed = 0, AllowedByName = 0, Refused = [],
                Neighbours = 0, NeighboursRefused = 0, NeighbourSample = [],
            };
        }
        var policies = parsed.Resources;
        var cache = new Dictionary<string, TraceVerdict>(StringComparer.Ordinal);
        TraceVerdict Trace(TraceRequest r, string key)
        {
            if (!cache.TryGetValue(key, out var v))
            {
                cache[key] = v = PolicyTracer.Trace(policies, r).Verdict;
            }
            return v;
        }

        // :: Step 1: every observed flow must be allowed.
        var fqdn = FqdnAllowances(result.Policies, policies);
        int replayed = 0, allowed = 0, byName = 0;
        var refused = new List<string>();
        foreach (var f in result.Used)
        {
            if (f.L7 == ObservedL7Kind.DnsResponse || !Relevant(f, options))
            {
                continue;
            }
            replayed++;
            if (f.Destination.Kind == ObservedPeerKind.World && f.Source.Kind == ObservedPeerKind.Workload && options.Egress
                && fqdn.TryGetValue(f.Source.Labels.ToString(), out var names) && names.Contains((f.Destination.Address!, f.Protocol, f.Port)))
            {
                allowed++;
                byName++;
                continue;
            }
            var request = Request(f);
            var verdict = Trace(request, Key(request));
            // An L3/L4 event stands for the connection: allowed when not dropped (its requests are judged as their own flows).
            var ok = verdict == TraceVerdict.Allowed || (f.L7 == ObservedL7Kind.None && verdict == TraceVerdict.Denied);
            if (ok)
            {
                allowed++;
            }
            else
            {
                refused.Add("line " + f.Line + ": " + Describe(request) + " -> " + verdict.ToString().ToUpperInvariant());
            }
        }

        // :: Step 2: unobserved neighbours must be refused.
        var neighbours = Neighbours(result, options).DistinctBy(n => Key(n.Request)).ToList();
        var refusedNeighbours = 0;
        var sample = new List<string>();
        foreach (var (request, expectL7) in neighbours)
        {
            var verdict = Trace(request, Key(request));
            var refusedIt = verdict != TraceVerdict.Allowed;
            refusedNeighbours += refusedIt ? 1 : 0;
            if (!refusedIt || sample.Count < SampleSize)
            {
                sample.Add(Describe(request) + " -> " + verdict.ToString().ToUpperInvariant() + (refusedIt ? "" : " (allowed: " + expectL7 + ")"));
            }
        }
        return new VerifyReport
        {
            ValidationErrors = errors, Replayed = replayed, Allowed = allowed, AllowedByName = byName, Refused = refused,
            Neighbours = neighbours.Count, NeighboursRefused = refusedNeighbours, NeighbourSample = sample,
        };
    }

    private static bool Relevant(ObservedFlow f, GenerationOptions options)
        => (options.Ingress && f.Destination.Kind == ObservedPeerKind.Workload && Selected(f.Destination, options))
        || (options.Egress && f.Source.Kind == ObservedPeerKind.Workload && Selected(f.Source, options));

    private static bool Selected(ObservedPeer w, GenerationOptions options)
        => (options.Namespace is null || w.Namespace == options.Namespace)
        && options.Selector.All(want => w.Labels.Any(l => l.Key == want.Key && l.Value == want.Value));

    private static TraceRequest Request(ObservedFlow f) => new()
    {
        Source = LabelsOf(f.Source),
        SourceAddress = f.Source.Kind == ObservedPeerKind.World ? f.Source.Address : null,
        Destination = LabelsOf(f.Destination),
        DestinationAddress = f.Destination.Kind == ObservedPeerKind.World ? f.Destination.Address : null,
        Port = f.Port,
        Protocol = f.Protocol,
        Http = f.L7 == ObservedL7Kind.HttpRequest ? new TraceHttpRequest(f.HttpMethod!, f.HttpPath!) : null,
        DnsQuery = f.L7 == ObservedL7Kind.DnsRequest ? f.DnsQuery : null,
    };

    private static LabelSet LabelsOf(ObservedPeer p) => p.Kind switch
    {
        ObservedPeerKind.Workload => p.Labels,
        ObservedPeerKind.Entity => new LabelSet([Label.Reserved(p.Entity!)]),
        _ => LabelSet.Empty,
    };

    /// <summary>Per workload (labels): the world (address, protocol, port) its generated toFQDNs rules allow.</summary>
    private static Dictionary<string, HashSet<(IPAddress, byte, ushort)>> FqdnAllowances(IReadOnlyList<GeneratedPolicy> generated, IReadOnlyList<PolicyResource> parsed)
    {
        var result = new Dictionary<string, HashSet<(IPAddress, byte, ushort)>>(StringComparer.Ordinal);
        foreach (var g in generated)
        {
            var resource = parsed.First(r => r.Name == g.Name && r.Namespace == g.Namespace);
            var set = new HashSet<(IPAddress, byte, ushort)>();
            foreach (var rule in resource.Rules)
            {
                foreach (var egress in rule.Egress ?? [])
                {
                    if (egress.ToFqdns is not { Count: > 0 })
                    {
                        continue;
                    }
                    foreach (var address in g.FqdnAddresses.Where(a => egress.ToFqdns.Any(s => s.MatchName is { } n && a.Value.Contains(n))).Select(a => a.Key))
                    {
                        foreach (var pr in egress.ToPorts ?? [])
                        {
                            foreach (var port in pr.Ports)
                            {
                                if (ushort.TryParse(port.Port, out var number) && Protocols.TryParse(port.Protocol, out var proto))
                                {
                                    set.Add((address, proto, number));
                                }
                            }
                        }
                    }
                }
            }
            result[g.Subject.ToString()] = set;
        }
        return result;
    }

    private static List<(TraceRequest Request, string Why)> Neighbours(GenerationResult result, GenerationOptions options)
    {
        var list = new List<(TraceRequest, string)>();
        var stranger = new LabelSet([Label.K8s("ciliuml7.io/probe", "unobserved")]);
        foreach (var g in result.Policies)
        {
            var ns = g.Namespace;
            var strangerHere = new LabelSet([.. stranger, Label.K8s(Label.NamespaceKey, ns)]);
            var seen = result.Used.Where(f => f.L7 != ObservedL7Kind.DnsResponse && f.Destination.Kind == ObservedPeerKind.Workload
                && f.Destination.Labels.Equals(g.Subject) && options.Ingress).ToList();
            foreach (var f in seen.DistinctBy(f => (f.Source.Key, f.Protocol, f.Port)).OrderBy(f => f.Source.Key, StringComparer.Ordinal).ThenBy(f => f.Port))
            {
                var baseRequest = Request(f) with { Http = null, DnsQuery = null };
                list.Add((baseRequest with { Source = strangerHere, SourceAddress = null }, "an unobserved peer"));
                var ports = seen.Where(s => s.Source.Key == f.Source.Key && s.Protocol == f.Protocol).Select(s => s.Port).ToHashSet();
                var other = (ushort)(f.Port == ushort.MaxValue ? 1 : f.Port + 1);
                if (!ports.Contains(other))
                {
                    list.Add((baseRequest with { Port = other }, "an unobserved port"));
                }
                if (options.L7 && seen.Any(s => s.Source.Key == f.Source.Key && s.Port == f.Port && s.L7 == ObservedL7Kind.HttpRequest))
                {
                    list.Add((baseRequest with { Http = new TraceHttpRequest("DELETE", "/ciliuml7-unobserved") }, "an unobserved method and path"));
                }
            }
            if (options.Egress && options.L7)
            {
                foreach (var f in result.Used.Where(f => f.L7 == ObservedL7Kind.DnsRequest && f.Source.Labels.Equals(g.Subject))
                    .DistinctBy(f => (f.Destination.Key, f.Port)).OrderBy(f => f.Destination.Key, StringComparer.Ordinal))
                {
                    list.Add((Request(f) with { DnsQuery = "unobserved.invalid" }, "an unobserved DNS name"));
                }
            }
        }
        return list;
    }

    private static string Key(TraceRequest r)
        => r.Source + "|" + r.SourceAddress + "|" + r.Destination + "|" + r.DestinationAddress + "|" + r.Protocol + "|" + r.Port + "|" + r.Http + "|" + r.DnsQuery;

    private static string Describe(TraceRequest r)
    {
        var src = r.SourceAddress is not null ? "world " + r.SourceAddress : Short(r.Source);
        var dst = r.DestinationAddress is not null ? "world " + r.DestinationAddress : Short(r.Destination);
        var what = r.Http is not null ? " " + r.Http.Method + " " + r.Http.PathAndQuery : r.DnsQuery is not null ? " DNS " + r.DnsQuery : "";
        return src + " -> " + dst + ":" + r.Port + "/" + Protocols.Name(r.Protocol) + what;
    }

    private static string Short(LabelSet labels)
    {
        var ns = labels.Namespace;
        var rest = string.Join(",", labels.Where(l => l.Key != Label.NamespaceKey).Select(l => l.Source == Label.SourceK8s ? l.Key + "=" + l.Value : l.ToString()));
        return ns is null ? rest : ns + "/" + rest;
    }
}
