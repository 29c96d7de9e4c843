using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;

namespace CiliumL7.Hubble.Client;

/// <summary>
/// Turns <c>observe</c> filter flags into FlowFilters exactly like hubble's
/// CLI: the same flag repeated ORs (values of one field), different flags AND
/// (fields of one filter); an undirected flag (<c>--pod</c>, <c>--ip</c>,
/// <c>--label</c>, <c>--port</c>, <c>--identity</c>) builds two filters, one on
/// the source side and one on the destination side; <c>--not</c> sends the
/// next flag to the blacklist.
/// </summary>
public sealed class FlowFilterBuilder
{
    private static readonly string[][] Conflicts =
    [
        ["from-ip", "ip", "from-namespace", "namespace"],
        ["from-ip", "ip", "from-pod", "pod"],
        ["to-ip", "ip", "to-namespace", "namespace"],
        ["to-ip", "ip", "to-pod", "pod"],
        ["to-pod", "namespace"],
        ["from-pod", "namespace"],
        ["label", "from-label"],
        ["label", "to-label"],
        ["port", "to-port"],
        ["port", "from-port"],
        ["identity", "to-identity"],
        ["identity", "from-identity"],
    ];

    private Tracker? _whitelist;
    private Tracker? _blacklist;
    private bool _negateNext;

    /// <summary>The flag names <see cref="Add"/> understands.</summary>
    public static IReadOnlyList<string> FlagNames { get; } =
    [
        "pod", "from-pod", "to-pod", "namespace", "from-namespace", "to-namespace", "ip", "from-ip", "to-ip",
        "label", "from-label", "to-label", "port", "from-port", "to-port", "identity", "from-identity", "to-identity",
        "verdict", "type", "protocol", "http-status", "http-method", "http-path", "http-url", "dns-query",
        "traffic-direction", "drop-reason-desc", "node-name", "uuid",
        "http-header", "node-label", "workload", "from-workload", "to-workload", "cluster", "from-cluster", "to-cluster",
        "interface", "snat-ip", "trace-id", "ip-trace-id",
    ];

    /// <summary><c>--not</c>: the next flag goes to the blacklist.</summary>
    public void Not()
    {
        if (_negateNext)
        {
            throw new ArgumentException("consecutive --not statements");
        }
        _negateNext = true;
    }

    /// <summary>Adds one flag occurrence (name without dashes, e.g. "pod", "verdict").</summary>
    public void Add(string flag, string value)
    {
        Tracker tracker;
        if (_negateNext)
        {
            _negateNext = false;
            tracker = _blacklist ??= new Tracker();
        }
        else
        {
            tracker = _whitelist ??= new Tracker();
        }
        tracker.Changed.Add(flag);
        foreach (var group in Conflicts)
        {
            if (Array.IndexOf(group, flag) < 0)
            {
                continue;
            }
            foreach (var other in group)
            {
                if (other != flag && tracker.Changed.Contains(other))
                {
                    throw new ArgumentException($"filters --{flag} and --{other} cannot be combined");
                }
            }
        }
        Apply(tracker, flag, value);
    }

    /// <summary>The whitelist filters (OR).</summary>
    public IReadOnlyList<FlowFilter> Whitelist => _whitelist?.Build() ?? [];

    /// <summary>The blacklist filters (OR).</summary>
    public IReadOnlyList<FlowFilter> Blacklist => _blacklist?.Build() ?? [];

    private static void Apply(Tracker t, string flag, string value)
    {
        switch (flag)
        {
            case "pod": t.Either(f => f.SourcePod.Add(value), f => f.DestinationPod.Add(value)); break;
            case "from-pod": t.Both(f => f.SourcePod.Add(value)); break;
            case "to-pod": t.Both(f => f.DestinationPod.Add(value)); break;
            case "namespace": t.Namespaces.Add(value); break;
            case "from-namespace": t.SourceNamespaces.Add(value); break;
            case "to-namespace": t.DestinationNamespaces.Add(value); break;
            case "ip": t.Either(f => f.SourceIp.Add(value), f => f.DestinationIp.Add(value)); break;
            case "from-ip": t.Both(f => f.SourceIp.Add(value)); break;
            case "to-ip": t.Both(f => f.DestinationIp.Add(value)); break;
            case "label": t.Either(f => f.SourceLabel.Add(value), f => f.DestinationLabel.Add(value)); break;
            case "from-label": t.Both(f => f.SourceLabel.Add(value)); break;
            case "to-label": t.Both(f => f.DestinationLabel.Add(value)); break;
            case "port": t.Either(f => f.SourcePort.Add(value), f => f.DestinationPort.Add(value)); break;
            case "from-port": t.Both(f => f.SourcePort.Add(value)); break;
            case "to-port": t.Both(f => f.DestinationPort.Add(value)); break;
            case "identity":
                var id = ParseIdentity(value);
                t.Either(f => f.SourceIdentity.Add(id), f => f.DestinationIdentity.Add(id));
                break;
            case "from-identity":
                var fromId = ParseIdentity(value);
                t.Both(f => f.SourceIdentity.Add(fromId));
                break;
            case "to-identity":
                var toId = ParseIdentity(value);
                t.Both(f => f.DestinationIdentity.Add(toId));
                break;
            case "verdict":
                if (!ProtoEnumName<Verdict>.TryParse(value, out var verdict))
                {
                    throw new ArgumentException($"invalid --verdict value: {value} (want FORWARDED, DROPPED, ERROR, AUDIT, REDIRECTED, TRACED, TRANSLATED)");
                }
                t.Both(f => f.Verdict.Add(verdict));
                break;
            case "type": var typeFilter = ParseType(value); t.Both(f => f.EventType.Add(typeFilter)); break;
            case "protocol": t.Both(f => f.Protocol.Add(value)); break;
            case "http-status": t.Both(f => f.HttpStatusCode.Add(value)); break;
            case "http-method": t.Both(f => f.HttpMethod.Add(value)); break;
            case "http-path": t.Both(f => f.HttpPath.Add(value)); break;
            case "http-url": t.Both(f => f.HttpUrl.Add(value)); break;
            case "dns-query": t.Both(f => f.DnsQuery.Add(value)); break;
            case "node-name": t.Both(f => f.NodeName.Add(value)); break;
            case "uuid": t.Both(f => f.Uuid.Add(value)); break;
            case "traffic-direction":
                var direction = value.ToLowerInvariant() switch
                {
                    "ingress" => TrafficDirection.Ingress,
                    "egress" => TrafficDirection.Egress,
                    _ => throw new ArgumentException($"{value}: invalid traffic direction, expected ingress or egress"),
                };
                t.Both(f => f.TrafficDirection.Add(direction));
                break;
            case "drop-reason-desc":
                if (!ProtoEnumName<DropReason>.TryParse(value, out var reason))
                {
                    throw new ArgumentException($"invalid --drop-reason-desc value: {value} (e.g. POLICY_DENIED, POLICY_DENY)");
                }
                t.Both(f => f.DropReasonDesc.Add(reason));
                break;
            case "http-header":
                var colon = value.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new ArgumentException($"invalid --http-header value: {value} (want key:value, e.g. X-Fleet:empire)");
                }
                var header = new HTTPHeader { Key = value[..colon], Value = value[(colon + 1)..] };
                t.Both(f => f.HttpHeader.Add(header));
                break;
            case "node-label": t.Both(f => f.NodeLabels.Add(value)); break;
            case "workload":
                var workload = ParseWorkload(value);
                t.Either(f => f.SourceWorkload.Add(workload), f => f.DestinationWorkload.Add(workload));
                break;
            case "from-workload": var fromWorkload = ParseWorkload(value); t.Both(f => f.SourceWorkload.Add(fromWorkload)); break;
            case "to-workload": var toWorkload = ParseWorkload(value); t.Both(f => f.DestinationWorkload.Add(toWorkload)); break;
            case "cluster": t.Either(f => f.SourceClusterName.Add(value), f => f.DestinationClusterName.Add(value)); break;
            case "from-cluster": t.Both(f => f.SourceClusterName.Add(value)); break;
            case "to-cluster": t.Both(f => f.DestinationClusterName.Add(value)); break;
            case "interface": t.Both(f => f.Interface.Add(new NetworkInterface { Name = value })); break;
            case "snat-ip": t.Both(f => f.SourceIpXlated.Add(value)); break;
            case "trace-id": t.Both(f => f.TraceId.Add(value)); break;
            case "ip-trace-id":
                if (!ulong.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ipTraceId) || ipTraceId == 0)
                {
                    throw new ArgumentException($"invalid --ip-trace-id value: {value} (want a positive number)");
                }
                t.Both(f => f.IpTraceId.Add(ipTraceId));
                break;
            default:
                throw new ArgumentException($"unknown filter flag --{flag}");
        }
    }

    /// <summary>"[kind/]name", e.g. "Deployment/deathstar" or "deathstar".</summary>
    private static Workload ParseWorkload(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var workload = slash < 0 ? new Workload { Name = value } : new Workload { Kind = value[..slash], Name = value[(slash + 1)..] };
        if (workload.Name.Length == 0 && workload.Kind.Length == 0)
        {
            throw new ArgumentException($"invalid workload \"{value}\": want [kind/]name");
        }
        return workload;
    }

    private static uint ParseIdentity(string value)
        => FlowText.TryParseIdentity(value, out var identity)
            ? identity
            : throw new ArgumentException($"invalid security identity \"{value}\": expected a number or one of host, world, unmanaged, health, init, remote-node, kube-apiserver, ingress, world-ipv4, world-ipv6");

    /// <summary>"l7", "drop", "policy-verdict", "trace", "trace:to-endpoint", "1:133", "129".</summary>
    private static EventTypeFilter ParseType(string value)
    {
        var parts = value.Split(':', 2);
        int type;
        if (!CiliumEventTypes.TryParseName(parts[0], out type) && !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out type))
        {
            throw new ArgumentException($"unable to parse type '{parts[0]}', not a known type name (l7, drop, policy-verdict, trace, capture, trace-sock) and not a number");
        }
        var filter = new EventTypeFilter { Type = type };
        if (parts.Length > 1)
        {
            int subType;
            if (!(type == CiliumEventTypes.Trace && FlowText.TryParseTraceObservationPoint(parts[1], out subType))
                && !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out subType))
            {
                throw new ArgumentException($"unable to parse event sub-type '{parts[1]}'");
            }
            filter.MatchSubType = true;
            filter.SubType = subType;
        }
        return filter;
    }

    /// <summary>The left (source-side) and right (destination-side) filters of one list.</summary>
    private sealed class Tracker
    {
        private FlowFilter? _left;
        private FlowFilter? _right;

        public HashSet<string> Changed { get; } = [];

        public List<string> Namespaces { get; } = [];

        public List<string> SourceNamespaces { get; } = [];

        public List<string> DestinationNamespaces { get; } = [];

        public void Both(Action<FlowFilter> update)
        {
            update(_left ??= new FlowFilter());
            update(_right ??= new FlowFilter());
        }

        public void Either(Action<FlowFilter> left, Action<FlowFilter> right)
        {
            left(_left ??= new FlowFilter());
            right(_right ??= new FlowFilter());
        }

        public List<FlowFilter> Build()
        {
            if (_left is null && _right is null && Namespaces.Count == 0 && SourceNamespaces.Count == 0 && DestinationNamespaces.Count == 0)
            {
                return [];
            }
            var left = _left?.Clone() ?? new FlowFilter();
            var right = _right?.Clone() ?? new FlowFilter();
            if (DestinationNamespaces.Count > 0)
            {
                ApplyDestination(left, DestinationNamespaces);
                ApplyDestination(right, DestinationNamespaces);
            }
            if (SourceNamespaces.Count > 0)
            {
                ApplySource(left, SourceNamespaces);
                ApplySource(right, SourceNamespaces);
            }
            if (Namespaces.Count > 0)
            {
                ApplySource(left, Namespaces);
                ApplyDestination(right, Namespaces);
            }
            return left.Equals(right) ? [left] : [left, right];
        }

        private static void ApplySource(FlowFilter f, List<string> namespaces)
        {
            if (f.SourcePod.Count == 0 && f.SourceService.Count == 0)
            {
                f.SourcePod.Add(string.Empty);
            }
            Qualify(f.SourcePod, namespaces);
            Qualify(f.SourceService, namespaces);
        }

        private static void ApplyDestination(FlowFilter f, List<string> namespaces)
        {
            if (f.DestinationPod.Count == 0 && f.DestinationService.Count == 0)
            {
                f.DestinationPod.Add(string.Empty);
            }
            Qualify(f.DestinationPod, namespaces);
            Qualify(f.DestinationService, namespaces);
        }

        /// <summary>"name" → "ns/name" for every namespace; names that already carry one are kept.</summary>
        private static void Qualify(Google.Protobuf.Collections.RepeatedField<string> names, List<string> namespaces)
        {
            if (names.Count == 0)
            {
                return;
            }
            var result = new List<string>();
            foreach (var name in names)
            {
                if (name.Contains('/', StringComparison.Ordinal))
                {
                    result.Add(name);
                    continue;
                }
                foreach (var ns in namespaces)
                {
                    result.Add(ns + "/" + name);
                }
            }
            names.Clear();
            names.AddRange(result);
        }
    }
}
