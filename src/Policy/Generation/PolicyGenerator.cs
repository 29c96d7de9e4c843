using System.Net;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Generation;

/// <summary>
/// Least-privilege CiliumNetworkPolicies from observed flows: one policy per
/// workload (identity), allowing exactly the peers, ports and — with
/// <see cref="GenerationOptions.L7"/> — the HTTP requests and DNS names seen.
/// <code>
///  flows ─filter─▶ traffic per workload × direction × peer × port (+ L7) ─▶ YAML per workload
/// </code>
/// Deterministic: the same flows give the same bytes, whatever their order.
/// </summary>
public static class PolicyGenerator
{
    /// <summary>Generates the policies for <paramref name="flows"/>.</summary>
    public static GenerationResult Generate(IReadOnlyList<ObservedFlow> flows, GenerationOptions options)
    {
        var skipped = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Skip(string why) => skipped[why] = skipped.TryGetValue(why, out var n) ? n + 1 : 1;

        // :: Step 1: keep the flows that show traffic that happened.
        var used = new List<ObservedFlow>();
        foreach (var f in flows)
        {
            if (!Happened(f.Verdict))
            {
                Skip(f.Verdict + " (traffic that did not happen is not allowed)");
            }
            else if (options.Since is { } since && f.Time < since)
            {
                Skip("older than --since");
            }
            else if (f.Protocol == 0 || f.Port == 0)
            {
                Skip("no TCP/UDP/SCTP port (ICMP and other protocols are not generated)");
            }
            else
            {
                used.Add(f);
            }
        }

        // :: Step 2: DNS answers tie world addresses to names, per client workload.
        var answers = new Dictionary<(string Client, IPAddress Address), SortedSet<string>>();
        if (options.L7)
        {
            foreach (var f in used)
            {
                if (f.L7 == ObservedL7Kind.DnsResponse && f.Source.Kind == ObservedPeerKind.Workload && f.DnsQuery is { Length: > 0 } q)
                {
                    foreach (var a in f.DnsAddresses)
                    {
                        if (!answers.TryGetValue((f.Source.Key, a), out var names))
                        {
                            answers[(f.Source.Key, a)] = names = new SortedSet<string>(StringComparer.Ordinal);
                        }
                        names.Add(q);
                    }
                }
            }
        }

        // :: Step 3: traffic per workload, direction, peer and port.
        var workloads = new SortedDictionary<string, WorkloadTraffic>(StringComparer.Ordinal);
        foreach (var f in used)
        {
            if (f.L7 == ObservedL7Kind.DnsResponse)
            {
                continue; // the query already counted the exchange
            }
            if (options.Ingress && f.Destination.Kind == ObservedPeerKind.Workload && Selected(f.Destination, options))
            {
                var w = Workload(workloads, f.Destination);
                w.Seen(f.Time);
                Add(w.Ingress, f.Source, f, options, ingress: true, fqdnNames: null);
            }
            if (options.Egress && f.Source.Kind == ObservedPeerKind.Workload && Selected(f.Source, options))
            {
                var w = Workload(workloads, f.Source);
                w.Seen(f.Time);
                SortedSet<string>? names = null;
                if (options.L7 && f.Destination.Kind == ObservedPeerKind.World && f.Destination.Address is { } addr)
                {
                    names = answers.TryGetValue((f.Source.Key, addr), out var n) ? n : null;
                    if (names is null && f.Destination.Names.Count > 0)
                    {
                        names = new SortedSet<string>(f.Destination.Names, StringComparer.Ordinal);
                    }
                }
                Add(w.Egress, f.Destination, f, options, ingress: false, fqdnNames: names);
            }
        }

        // :: Step 4: one policy per workload.
        var policies = new List<GeneratedPolicy>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in workloads.Values.OrderBy(w => w.Namespace, StringComparer.Ordinal).ThenBy(w => w.Labels.ToString(), StringComparer.Ordinal))
        {
            var name = PolicyNames.For(w.Labels, w.Namespace, taken);
            var fqdn = new Dictionary<IPAddress, IReadOnlySet<string>>();
            foreach (var p in w.Egress.Values.Where(p => p.FqdnNames.Count > 0))
            {
                foreach (var a in p.Addresses)
                {
                    fqdn[a] = p.FqdnNames;
                }
            }
            policies.Add(new GeneratedPolicy(w.Namespace, name, w.Labels, PolicyYamlWriter.Write(w, name, options)) { FqdnAddresses = fqdn });
        }
        return new GenerationResult { Policies = policies, Used = used, Skipped = skipped };
    }

    /// <summary>True for verdicts of traffic that flowed (FORWARDED, REDIRECTED, AUDIT, TRACED, TRANSLATED).</summary>
    public static bool Happened(string verdict) => verdict switch
    {
        "FORWARDED" or "1" or "REDIRECTED" or "5" or "AUDIT" or "4" or "TRACED" or "6" or "TRANSLATED" or "7" => true,
        _ => false,
    };

    private static bool Selected(ObservedPeer workload, GenerationOptions options)
    {
        if (options.Namespace is { } ns && workload.Namespace != ns)
        {
            return false;
        }
        foreach (var want in options.Selector)
        {
            if (!workload.Labels.Any(l => l.Key == want.Key && l.Value == want.Value && (want.Source == Label.SourceAny || l.Source == want.Source)))
            {
                return false;
            }
        }
        return true;
    }

    private static WorkloadTraffic Workload(SortedDictionary<string, WorkloadTraffic> workloads, ObservedPeer peer)
    {
        if (!workloads.TryGetValue(peer.Key, out var w))
        {
            workloads[peer.Key] = w = new WorkloadTraffic(peer.Labels, peer.Namespace ?? "default");
        }
        return w;
    }

    private static void Add(SortedDictionary<string, PeerTraffic> peers, ObservedPeer peer, ObservedFlow f, GenerationOptions options, bool ingress, SortedSet<string>? fqdnNames)
    {
        var key = fqdnNames is { Count: > 0 } ? "fqdn:" + string.Join(",", fqdnNames) : peer.Key;
        if (!peers.TryGetValue(key, out var p))
        {
            peers[key] = p = new PeerTraffic(peer);
            if (fqdnNames is not null)
            {
                p.FqdnNames.UnionWith(fqdnNames);
            }
        }
        p.Seen(f.Time);
        if (fqdnNames is { Count: > 0 } && peer.Address is not null)
        {
            p.Addresses.Add(peer.Address);
        }
        var port = p.Port(f.Protocol, f.Port);
        if (!options.L7)
        {
            return;
        }
        if (f.L7 == ObservedL7Kind.HttpRequest && f.Protocol == Resolution.Protocols.Tcp && f.HttpMethod is { Length: > 0 } method && f.HttpPath is { Length: > 0 } path)
        {
            var regex = PathGeneralizer.Generalise(path, out _, out var numbers, out var uuids, out var hadQuery);
            if (!port.Http.TryGetValue((method, regex), out var rule))
            {
                port.Http[(method, regex)] = rule = new HttpRuleTraffic();
            }
            rule.Count++;
            rule.Numbers |= numbers;
            rule.Uuids |= uuids;
            rule.HadQuery |= hadQuery;
            if (rule.Paths.Count < HttpRuleTraffic.MaxPaths)
            {
                rule.Paths.Add(path.Split('?', 2)[0]);
            }
        }
        else if (f.L7 == ObservedL7Kind.DnsRequest && !ingress && f.DnsQuery is { Length: > 0 } q)
        {
            port.DnsNames[q] = port.DnsNames.TryGetValue(q, out var n) ? n + 1 : 1;
        }
    }
}
