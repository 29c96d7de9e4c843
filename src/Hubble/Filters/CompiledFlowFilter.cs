using System.Net;
using System.Text.RegularExpressions;
using CiliumL7.Hubble.Api;

namespace CiliumL7.Hubble.Filters;

/// <summary>
/// One <see cref="FlowFilter"/> turned into ready-to-run matchers. Every
/// non-empty criterion must match (AND); values inside one criterion are
/// alternatives (OR). Semantics follow Hubble's server-side filters.
/// </summary>
internal sealed class CompiledFlowFilter
{
    private string[] _uuids = [];
    private IpMatcher[] _sourceIps = [];
    private IpMatcher[] _destinationIps = [];
    private NamespacedNameMatcher[] _sourcePods = [];
    private NamespacedNameMatcher[] _destinationPods = [];
    private NamespacedNameMatcher[] _sourceServices = [];
    private NamespacedNameMatcher[] _destinationServices = [];
    private Regex[] _sourceFqdns = [];
    private Regex[] _destinationFqdns = [];
    private LabelSelector[] _sourceLabels = [];
    private LabelSelector[] _destinationLabels = [];
    private TrafficDirection[] _directions = [];
    private Verdict[] _verdicts = [];
    private DropReason[] _dropReasons = [];
    private EventTypeFilter[] _eventTypes = [];
    private HttpStatusMatcher[] _httpStatus = [];
    private ProtocolMatcher[] _protocols = [];
    private uint[] _sourcePorts = [];
    private uint[] _destinationPorts = [];
    private bool[] _reply = [];
    private Regex[] _dnsQueries = [];
    private uint[] _sourceIdentities = [];
    private uint[] _destinationIdentities = [];
    private string[] _httpMethods = [];
    private Regex[] _httpPaths = [];
    private Regex[] _httpUrls = [];
    private TCPFlags[] _tcpFlags = [];
    private Regex[] _nodeNames = [];
    private IPVersion[] _ipVersions = [];
    private IpMatcher[] _sourceIpsXlated = [];
    private Workload[] _sourceWorkloads = [];
    private Workload[] _destinationWorkloads = [];
    private string[] _sourceClusters = [];
    private string[] _destinationClusters = [];
    private NetworkInterface[] _interfaces = [];
    private HTTPHeader[] _httpHeaders = [];
    private LabelSelector[] _nodeLabels = [];
    private string[] _traceIds = [];
    private ulong[] _ipTraceIds = [];
    private bool[] _encrypted = [];

    private CompiledFlowFilter()
    {
    }

    public static CompiledFlowFilter Compile(FlowFilter filter, string where, List<string> errors)
    {
        var c = new CompiledFlowFilter
        {
            _uuids = [.. filter.Uuid],
            _sourceIps = Each(filter.SourceIp, where + ".source_ip", errors, IpMatcher.Parse),
            _destinationIps = Each(filter.DestinationIp, where + ".destination_ip", errors, IpMatcher.Parse),
            _sourcePods = Each(filter.SourcePod, where + ".source_pod", errors, NamespacedNameMatcher.Parse),
            _destinationPods = Each(filter.DestinationPod, where + ".destination_pod", errors, NamespacedNameMatcher.Parse),
            _sourceServices = Each(filter.SourceService, where + ".source_service", errors, NamespacedNameMatcher.Parse),
            _destinationServices = Each(filter.DestinationService, where + ".destination_service", errors, NamespacedNameMatcher.Parse),
            _sourceFqdns = Each(filter.SourceFqdn, where + ".source_fqdn", errors, GlobRegex),
            _destinationFqdns = Each(filter.DestinationFqdn, where + ".destination_fqdn", errors, GlobRegex),
            _sourceLabels = Each(filter.SourceLabel, where + ".source_label", errors, LabelSelector.Parse),
            _destinationLabels = Each(filter.DestinationLabel, where + ".destination_label", errors, LabelSelector.Parse),
            _directions = [.. filter.TrafficDirection],
            _verdicts = [.. filter.Verdict],
            _dropReasons = [.. filter.DropReasonDesc],
            _eventTypes = [.. filter.EventType],
            _httpStatus = Each(filter.HttpStatusCode, where + ".http_status_code", errors, HttpStatusMatcher.Parse),
            _protocols = Each(filter.Protocol, where + ".protocol", errors, ProtocolMatcher.Parse),
            _sourcePorts = Each(filter.SourcePort, where + ".source_port", errors, ParsePort),
            _destinationPorts = Each(filter.DestinationPort, where + ".destination_port", errors, ParsePort),
            _reply = [.. filter.Reply],
            _dnsQueries = Each(filter.DnsQuery, where + ".dns_query", errors, PlainRegex),
            _sourceIdentities = [.. filter.SourceIdentity],
            _destinationIdentities = [.. filter.DestinationIdentity],
            _httpMethods = [.. filter.HttpMethod],
            _httpPaths = Each(filter.HttpPath, where + ".http_path", errors, PlainRegex),
            _httpUrls = Each(filter.HttpUrl, where + ".http_url", errors, PlainRegex),
            _tcpFlags = [.. filter.TcpFlags],
            _nodeNames = Each(filter.NodeName, where + ".node_name", errors, GlobRegex),
            _ipVersions = [.. filter.IpVersion],
            _sourceIpsXlated = Each(filter.SourceIpXlated, where + ".source_ip_xlated", errors, IpMatcher.Parse),
            _sourceWorkloads = [.. filter.SourceWorkload],
            _destinationWorkloads = [.. filter.DestinationWorkload],
            _sourceClusters = [.. filter.SourceClusterName],
            _destinationClusters = [.. filter.DestinationClusterName],
            _interfaces = [.. filter.Interface],
            _httpHeaders = [.. filter.HttpHeader],
            _nodeLabels = Each(filter.NodeLabels, where + ".node_labels", errors, LabelSelector.Parse),
            _traceIds = [.. filter.TraceId],
            _ipTraceIds = [.. filter.IpTraceId],
            _encrypted = [.. filter.Encrypted],
        };
        return c;
    }

    public bool Matches(Flow flow)
    {
        // :: Identity of the flow and its endpoints.
        if (_uuids.Length > 0 && Array.IndexOf(_uuids, flow.Uuid) < 0) { return false; }
        if (_sourceIps.Length > 0 && !MatchIp(_sourceIps, flow.IP?.Source)) { return false; }
        if (_destinationIps.Length > 0 && !MatchIp(_destinationIps, flow.IP?.Destination)) { return false; }
        if (_ipVersions.Length > 0 && (flow.IP is null || Array.IndexOf(_ipVersions, flow.IP.IpVersion) < 0)) { return false; }
        if (_sourcePods.Length > 0 && !MatchName(_sourcePods, flow.Source?.Namespace, flow.Source?.PodName)) { return false; }
        if (_destinationPods.Length > 0 && !MatchName(_destinationPods, flow.Destination?.Namespace, flow.Destination?.PodName)) { return false; }
        if (_sourceServices.Length > 0 && !MatchName(_sourceServices, flow.SourceService?.Namespace, flow.SourceService?.Name)) { return false; }
        if (_destinationServices.Length > 0 && !MatchName(_destinationServices, flow.DestinationService?.Namespace, flow.DestinationService?.Name)) { return false; }
        if (_sourceFqdns.Length > 0 && !MatchAny(_sourceFqdns, flow.SourceNames)) { return false; }
        if (_destinationFqdns.Length > 0 && !MatchAny(_destinationFqdns, flow.DestinationNames)) { return false; }
        if (_sourceLabels.Length > 0 && !MatchLabels(_sourceLabels, flow.Source)) { return false; }
        if (_destinationLabels.Length > 0 && !MatchLabels(_destinationLabels, flow.Destination)) { return false; }
        if (_sourceIdentities.Length > 0 && (flow.Source is null || Array.IndexOf(_sourceIdentities, flow.Source.Identity) < 0)) { return false; }
        if (_destinationIdentities.Length > 0 && (flow.Destination is null || Array.IndexOf(_destinationIdentities, flow.Destination.Identity) < 0)) { return false; }
        if (_nodeNames.Length > 0 && !MatchRegex(_nodeNames, flow.NodeName)) { return false; }
        if (_nodeLabels.Length > 0 && !MatchAnySelector(_nodeLabels, flow.NodeLabels)) { return false; }
        if (_sourceIpsXlated.Length > 0 && !MatchIp(_sourceIpsXlated, flow.IP?.SourceXlated)) { return false; }
        if (_sourceWorkloads.Length > 0 && !MatchWorkload(_sourceWorkloads, flow.Source)) { return false; }
        if (_destinationWorkloads.Length > 0 && !MatchWorkload(_destinationWorkloads, flow.Destination)) { return false; }
        if (_sourceClusters.Length > 0 && (flow.Source is null || Array.IndexOf(_sourceClusters, flow.Source.ClusterName) < 0)) { return false; }
        if (_destinationClusters.Length > 0 && (flow.Destination is null || Array.IndexOf(_destinationClusters, flow.Destination.ClusterName) < 0)) { return false; }
        if (_interfaces.Length > 0 && !MatchInterface(_interfaces, flow.Interface)) { return false; }
        if (_encrypted.Length > 0 && (flow.IP is null || Array.IndexOf(_encrypted, flow.IP.Encrypted) < 0)) { return false; }
        if (_traceIds.Length > 0 && (flow.TraceContext?.Parent is not { TraceId.Length: > 0 } parent || Array.IndexOf(_traceIds, parent.TraceId) < 0)) { return false; }
        if (_ipTraceIds.Length > 0 && (flow.IpTraceId is not { TraceId: > 0 } ipTrace || Array.IndexOf(_ipTraceIds, ipTrace.TraceId) < 0)) { return false; }

        // :: Verdict and event kind.
        if (_verdicts.Length > 0 && Array.IndexOf(_verdicts, flow.Verdict) < 0) { return false; }
        if (_dropReasons.Length > 0 && Array.IndexOf(_dropReasons, flow.DropReasonDesc) < 0) { return false; }
        if (_directions.Length > 0 && Array.IndexOf(_directions, flow.TrafficDirection) < 0) { return false; }
        if (_eventTypes.Length > 0 && !MatchEventType(_eventTypes, flow.EventType)) { return false; }
        if (_reply.Length > 0 && (flow.IsReply is null || Array.IndexOf(_reply, flow.IsReply.Value) < 0)) { return false; }

        // :: L4.
        if (_protocols.Length > 0 && !MatchProtocol(_protocols, flow)) { return false; }
        if (_sourcePorts.Length > 0 && !MatchPort(_sourcePorts, flow.L4, source: true)) { return false; }
        if (_destinationPorts.Length > 0 && !MatchPort(_destinationPorts, flow.L4, source: false)) { return false; }
        if (_tcpFlags.Length > 0 && !MatchTcpFlags(_tcpFlags, flow.L4?.TCP?.Flags)) { return false; }

        // :: L7.
        var http = flow.L7?.Http;
        if (_httpStatus.Length > 0 && (http is null || http.Code == 0 || !MatchStatus(_httpStatus, http.Code))) { return false; }
        if (_httpMethods.Length > 0 && (http is null || !MatchMethod(_httpMethods, http.Method))) { return false; }
        if (_httpPaths.Length > 0 && (http is null || !MatchRegex(_httpPaths, UrlPath(http.Url)))) { return false; }
        if (_httpUrls.Length > 0 && (http is null || !MatchRegex(_httpUrls, http.Url))) { return false; }
        if (_dnsQueries.Length > 0 && (flow.L7?.Dns is null || !MatchRegex(_dnsQueries, flow.L7.Dns.Query))) { return false; }
        if (_httpHeaders.Length > 0 && (http is null || !MatchHeader(_httpHeaders, http.Headers))) { return false; }
        return true;
    }

    private static T[] Each<T>(IList<string> values, string field, List<string> errors, Func<string, T> parse)
    {
        if (values.Count == 0)
        {
            return [];
        }
        var result = new List<T>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            try
            {
                result.Add(parse(values[i]));
            }
            catch (Exception e) when (e is ArgumentException or FormatException or RegexParseException)
            {
                errors.Add($"{field}[{i}]: \"{values[i]}\": {e.Message}");
            }
        }
        return [.. result];
    }

    private static uint ParsePort(string value)
    {
        if (!ushort.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw new FormatException("not a port number (0-65535)");
        }
        return port;
    }

    private static Regex PlainRegex(string pattern)
        => new(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);

    /// <summary>Glob with '*' wildcards (node names, FQDNs), matched whole and case-insensitively.</summary>
    private static Regex GlobRegex(string pattern)
    {
        if (pattern.Length == 0)
        {
            throw new ArgumentException("empty pattern");
        }
        var escaped = Regex.Escape(pattern.TrimEnd('.')).Replace("\\*", "[^.]*", StringComparison.Ordinal);
        return new Regex("^(?:" + escaped + ")\\.?\\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    }

    private static bool MatchIp(IpMatcher[] matchers, string? ip)
    {
        if (string.IsNullOrEmpty(ip) || !IPAddress.TryParse(ip, out var address))
        {
            return false;
        }
        foreach (var m in matchers)
        {
            if (m.Matches(address))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchName(NamespacedNameMatcher[] matchers, string? ns, string? name)
    {
        ns ??= string.Empty;
        name ??= string.Empty;
        if (ns.Length == 0 && name.Length == 0)
        {
            return false;
        }
        foreach (var m in matchers)
        {
            if (m.Matches(ns, name))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchAny(Regex[] patterns, IList<string> values)
    {
        foreach (var value in values)
        {
            if (MatchRegex(patterns, value))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchRegex(Regex[] patterns, string? value)
    {
        if (value is null)
        {
            return false;
        }
        foreach (var p in patterns)
        {
            if (p.IsMatch(value))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchLabels(LabelSelector[] selectors, Api.Endpoint? endpoint)
    {
        if (endpoint is null)
        {
            return false;
        }
        foreach (var s in selectors)
        {
            if (s.Matches(endpoint.Labels))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchAnySelector(LabelSelector[] selectors, IList<string> labels)
    {
        foreach (var s in selectors)
        {
            if (s.Matches(labels))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A workload filter matches when its non-empty kind and name both equal one of the endpoint's workloads.</summary>
    private static bool MatchWorkload(Workload[] filters, Api.Endpoint? endpoint)
    {
        if (endpoint is null)
        {
            return false;
        }
        foreach (var w in endpoint.Workloads)
        {
            foreach (var f in filters)
            {
                if ((f.Kind.Length == 0 || f.Kind == w.Kind) && (f.Name.Length == 0 || f.Name == w.Name))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool MatchInterface(NetworkInterface[] filters, NetworkInterface? actual)
    {
        if (actual is null)
        {
            return false;
        }
        foreach (var f in filters)
        {
            if ((f.Index == 0 || f.Index == actual.Index) && (f.Name.Length == 0 || f.Name == actual.Name))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A header filter matches a header of the flow with the same name (any case) and exactly the same value.</summary>
    private static bool MatchHeader(HTTPHeader[] filters, IList<HTTPHeader> headers)
    {
        foreach (var h in headers)
        {
            foreach (var f in filters)
            {
                if (string.Equals(f.Key, h.Key, StringComparison.OrdinalIgnoreCase) && f.Value == h.Value)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static bool MatchEventType(EventTypeFilter[] filters, CiliumEventType? eventType)
    {
        if (eventType is null)
        {
            return false;
        }
        foreach (var f in filters)
        {
            if (f.Type == eventType.Type && (!f.MatchSubType || f.SubType == eventType.SubType))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchProtocol(ProtocolMatcher[] protocols, Flow flow)
    {
        foreach (var p in protocols)
        {
            if (p.Matches(flow))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchPort(uint[] ports, Layer4? l4, bool source)
    {
        uint port;
        if (l4?.TCP is { } tcp) { port = source ? tcp.SourcePort : tcp.DestinationPort; }
        else if (l4?.UDP is { } udp) { port = source ? udp.SourcePort : udp.DestinationPort; }
        else if (l4?.SCTP is { } sctp) { port = source ? sctp.SourcePort : sctp.DestinationPort; }
        else { return false; }
        return Array.IndexOf(ports, port) >= 0;
    }

    private static bool MatchTcpFlags(TCPFlags[] wanted, TCPFlags? actual)
    {
        if (actual is null)
        {
            return false;
        }
        foreach (var w in wanted)
        {
            if ((!w.SYN || actual.SYN) && (!w.ACK || actual.ACK) && (!w.FIN || actual.FIN) && (!w.RST || actual.RST)
                && (!w.PSH || actual.PSH) && (!w.URG || actual.URG) && (!w.ECE || actual.ECE) && (!w.CWR || actual.CWR) && (!w.NS || actual.NS))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchStatus(HttpStatusMatcher[] matchers, uint code)
    {
        foreach (var m in matchers)
        {
            if (m.Matches(code))
            {
                return true;
            }
        }
        return false;
    }

    private static bool MatchMethod(string[] methods, string method)
    {
        foreach (var m in methods)
        {
            if (string.Equals(m, method, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The path part of an HTTP flow's URL (absolute or origin-form).</summary>
    internal static string UrlPath(string url)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri.AbsolutePath;
        }
        var end = url.AsSpan().IndexOfAny('?', '#');
        return end < 0 ? url : url[..end];
    }
}
