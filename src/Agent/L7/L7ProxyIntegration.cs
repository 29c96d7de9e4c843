using CiliumL7.Agent.Logging;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Client.Models;
using CiliumL7.Policy;
using CiliumL7.Policy.Resolution;
using CiliumL7.Proxy;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Agent.L7;

/// <summary>
/// Hosts the embedded <see cref="L7Proxy"/>: one transparent listener per
/// redirect (endpoint, direction, port) on the port the policy map points at,
/// the resolved snapshot as its policy, and the agent's ipcache as its peer
/// resolver. A redirect whose protocol the proxy has no listener for stays
/// without one (reported in status), so the datapath drops it (fail closed).
/// </summary>
internal sealed class L7ProxyIntegration : IProxyIntegration, IDisposable
{
    private readonly L7Proxy _proxy;
    private readonly AgentPeerResolver _peers;
    private readonly ILogger _logger;
    private readonly Dictionary<ushort, RedirectSpec> _open = [];
    private readonly List<string> _problems = [];

    public L7ProxyIntegration(ProxyOptions options, AgentFlowSink flows, ILoggerFactory loggers, IProxyListenerRegistry? listeners = null, RemotePeers? remote = null)
    {
        _peers = new AgentPeerResolver(remote);
        _logger = loggers.CreateLogger("CiliumL7.Agent.Proxy");
        Flows = flows;
        _proxy = new L7Proxy(options, _peers, flows, loggers) { ListenerRegistry = listeners };
        _proxy.StartAsync().GetAwaiter().GetResult();
    }

    public AgentFlowSink Flows { get; }

    /// <summary>The proxy's request counters (cilium_policy_l7_total, cilium_proxy_redirects).</summary>
    public CiliumL7.Proxy.Metrics.ProxyCounters Counters => _proxy.Counters;

    /// <summary>HTTP requests the HTTP/1.1 fast path served itself (ciliuml7_proxy_http_requests_total{path="fast"}).</summary>
    public long FastPathRequests => _proxy.FastPathRequests;

    /// <summary>The agent's FQDN cache: learns every allowed DNS answer before the proxy releases it.</summary>
    public CiliumL7.Proxy.Dns.IFqdnLearner FqdnLearner
    {
        get => _proxy.FqdnLearner;
        set => _proxy.FqdnLearner = value;
    }

    public void Prepare(PolicyComputation computation, IReadOnlyList<EndpointModel> endpoints)
    {
        _peers.Update(endpoints, computation.CidrIdentities);
        if (computation.Snapshot is not null)
        {
            _proxy.SetPolicy(new SnapshotProxyPolicy(computation.Snapshot));
        }
        lock (_open)
        {
            _problems.Clear();
            foreach (var redirect in computation.Redirects)
            {
                if (_open.TryGetValue(redirect.ProxyPort, out var existing) && existing == redirect)
                {
                    continue;
                }
                if (!TryProxyType(redirect.Parser, out var type) || !_proxy.Supports(type))
                {
                    _problems.Add($"{redirect.Parser} redirect of endpoint {redirect.EndpointId} port {redirect.Port}/{ProtocolName(redirect.Protocol)} not served (no {redirect.Parser} proxy is implemented): traffic is dropped");
                    continue;
                }
                try
                {
                    var key = new RedirectKey((uint)redirect.EndpointId, redirect.Direction, redirect.Port, redirect.Protocol);
                    _proxy.AddRedirectAsync(new ProxyRedirect(redirect.ProxyPort, key, type)).GetAwaiter().GetResult();
                    _open[redirect.ProxyPort] = redirect;
                    Log.ProxyInfo(_logger, $"listening on :{redirect.ProxyPort} for endpoint {redirect.EndpointId} {Dir(redirect.Direction)} port {redirect.Port}/{ProtocolName(redirect.Protocol)} ({type.ToString().ToLowerInvariant()})");
                }
                catch (Exception e)
                {
                    _problems.Add($"listener :{redirect.ProxyPort} for endpoint {redirect.EndpointId}: {e.Message}");
                    Log.ProxyFailed(_logger, $"open listener :{redirect.ProxyPort}", e);
                }
            }
        }
    }

    public int Finish(PolicyComputation computation)
    {
        lock (_open)
        {
            var wanted = new HashSet<ushort>(computation.Redirects.Select(r => r.ProxyPort));
            foreach (var port in _open.Keys.Where(p => !wanted.Contains(p)).ToList())
            {
                _proxy.RemoveRedirectAsync(port).GetAwaiter().GetResult();
                _open.Remove(port);
                Log.ProxyInfo(_logger, $"closed listener :{port}");
            }
            return _open.Count;
        }
    }

    public ProxyStatusModel Status()
    {
        lock (_open)
        {
            return new ProxyStatusModel
            {
                State = _problems.Count == 0 ? "Ok" : "Warning",
                Message = _problems.Count == 0 ? null : string.Join("; ", _problems),
                Redirects = [.. _open.Values.OrderBy(r => r.ProxyPort).Select(r => new ProxyRedirectModel
                {
                    EndpointId = r.EndpointId,
                    Direction = Dir(r.Direction),
                    Port = r.Port,
                    Parser = r.Parser.ToString().ToLowerInvariant(),
                    Protocol = ProtocolName(r.Protocol),
                    ProxyPort = r.ProxyPort,
                })],
                Dns = DnsStatus(),
            };
        }
    }

    private DnsProxyStatusModel DnsStatus()
    {
        var counters = _proxy.Counters.Snapshot(ProxyType.Dns);
        var options = _proxy.Options;
        return new DnsProxyStatusModel
        {
            Redirects = (int)counters.Redirects,
            RejectResponseCode = options.DnsRejectResponseCode == CiliumL7.Proxy.Dns.DnsRejectResponseCode.NameError ? "nameError" : "refused",
            ResponseMaxDelayMs = options.DnsResponseMaxDelay.TotalMilliseconds,
            UpstreamTimeoutMs = options.DnsUpstreamTimeout.TotalMilliseconds,
            QueriesInFlight = _proxy.DnsQueriesInFlight,
            Received = counters.Received,
            Forwarded = counters.Forwarded,
            Denied = counters.Denied,
            ParseErrors = counters.ParseErrors,
        };
    }

    public void Dispose() => _proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The proxy type of a redirect's parser; false for a parser with no proxy (None, or an unknown value).</summary>
    private static bool TryProxyType(L7Parser parser, out ProxyType type)
    {
        switch (parser)
        {
            case L7Parser.Http:
                type = ProxyType.Http;
                return true;
            case L7Parser.Dns:
                type = ProxyType.Dns;
                return true;
            case L7Parser.Kafka:
                type = ProxyType.Kafka;
                return true;
            default:
                type = default;
                return false;
        }
    }

    private static string ProtocolName(byte protocol) => protocol switch
    {
        6 => "TCP",
        17 => "UDP",
        132 => "SCTP",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Dir(TrafficDirection d) => d == TrafficDirection.Egress ? "egress" : "ingress";
}
