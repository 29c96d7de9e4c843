using System.Net;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// Per-request state, reused across the requests of one connection (Kestrel:
/// through <c>IHostContextContainer</c>; the HTTP/1.1 fast path: one per
/// connection). It is the <see cref="IHttpRequestFacts"/> the rules judge, and it
/// caches what stays the same on a connection: addresses, flow endpoints, the
/// upstream prefix and the rule set of the last (policy snapshot, identity) pair.
/// Both front ends feed it a <see cref="RequestHead"/>; canonicalization and the
/// judge (<see cref="HttpRequestJudge"/>) do not know which one parsed the request.
/// </summary>
internal sealed class ProxyRequestContext : IHttpRequestFacts
{
    private readonly KestrelRequestHead _kestrelHead = new();
    private DefaultHttpContext? _http;
    private RequestHead _head = null!;
    private IHttpConnectionFeature? _connection;
    private string? _fastConnectionId;
    private IPEndPoint? _fastRemote;
    private IPEndPoint? _fastLocal;
    private string? _connectionId;

    private IProxyPolicy? _rulesSnapshot;
    private uint _rulesIdentity;
    private HttpRuleSet? _rules;

    private FlowEndpoint? _clientFlow;
    private FlowEndpoint? _serverFlow;
    private string? _flowUrl;
    private string? _flowUrlHost;
    private string? _flowUrlPath;
    private string? _lastFlowUrl;
    private RequestHead? _checkedHead;
    private List<KeyValuePair<string, string>>? _checkedFlowHeaders;
    private bool _checkedRedact;
    private string? _lastRawHost;
    private string _lastHost = string.Empty;
    private string? _lastRawTarget;
    private string? _lastTargetHost;
    private string? _lastTargetRawHost;
    private string _lastPathAndQuery = string.Empty;

    public ProxyRequestContext() => Transformer = new CanonicalTargetTransformer(this);

    public DefaultHttpContext HttpContext => _http!;

    public CanonicalTargetTransformer Transformer { get; }

    public IPEndPoint Client { get; private set; } = null!;

    public IPEndPoint Server { get; private set; } = null!;

    /// <summary><c>http://ip:port</c> of the original destination.</summary>
    public string DestinationPrefix { get; private set; } = string.Empty;

    public PeerInfo ClientPeer { get; private set; } = PeerInfo.World;

    public PeerInfo ServerPeer { get; private set; } = PeerInfo.World;

    public string Method { get; private set; } = string.Empty;

    public string PathAndQuery { get; private set; } = string.Empty;

    public string Host { get; private set; } = string.Empty;

    public string RawHost { get; private set; } = string.Empty;

    public string Protocol { get; private set; } = string.Empty;

    public bool IsHttp2 { get; private set; }

    public bool IsH2cUpgrade { get; private set; }

    public List<KeyValuePair<string, string>>? FlowHeaders { get; private set; }

    /// <summary>The request head being judged.</summary>
    public RequestHead Head => _head;

    /// <summary>Kestrel front end: the request Kestrel parsed.</summary>
    public void Initialize(IFeatureCollection features)
    {
        if (_http is null)
        {
            _http = new DefaultHttpContext(features);
        }
        else
        {
            _http.Initialize(features);
        }
        _kestrelHead.Initialize(features.Get<IHttpRequestFeature>()!, features.Get<IHttpExtendedConnectFeature>());
        _head = _kestrelHead;
        _connection = features.Get<IHttpConnectionFeature>()!;
    }

    /// <summary>HTTP/1.1 fast path: a head it parsed on the connection <paramref name="connectionId"/>.</summary>
    public void Initialize(RequestHead head, string connectionId, IPEndPoint remote, IPEndPoint local)
    {
        _head = head;
        _connection = null;
        _fastConnectionId = connectionId;
        _fastRemote = remote;
        _fastLocal = local;
    }

    public void Reset()
    {
        _http?.Uninitialize();
        FlowHeaders = null;
        _flowUrl = null;
    }

    /// <summary>
    /// The URL reported in flows, <c>http://host/canonical-path?query</c>, built once
    /// per request (and reused while host and target strings stay the same).
    /// </summary>
    public string FlowUrl()
    {
        if (_flowUrl is not null)
        {
            return _flowUrl;
        }
        if (_flowUrlPath is not null && ReferenceEquals(_flowUrlHost, RawHost) && ReferenceEquals(_flowUrlPath, PathAndQuery) && _lastFlowUrl is not null)
        {
            return _flowUrl = _lastFlowUrl;
        }
        _flowUrlHost = RawHost;
        _flowUrlPath = PathAndQuery;
        return _flowUrl = _lastFlowUrl = string.Concat(
            "http://",
            RawHost.Length > 0 ? RawHost : DestinationPrefix.AsSpan(7),
            PathAndQuery);
    }

    /// <summary>Step 1: the connection's addresses (cached per connection) and the peers behind them.</summary>
    public void ResolveAddresses(ProxyRedirect redirect, IPeerResolver resolver)
    {
        var connection = _connection;
        var connectionId = connection is null ? _fastConnectionId : connection.ConnectionId;
        if (!ReferenceEquals(_connectionId, connectionId))
        {
            _connectionId = connectionId;
            if (connection is not null)
            {
                Client = new IPEndPoint(Unmap(connection.RemoteIpAddress!), connection.RemotePort);
                Server = redirect.TestUpstreamOverride ?? new IPEndPoint(Unmap(connection.LocalIpAddress!), connection.LocalPort);
            }
            else
            {
                Client = new IPEndPoint(Unmap(_fastRemote!.Address), _fastRemote.Port);
                Server = redirect.TestUpstreamOverride ?? new IPEndPoint(Unmap(_fastLocal!.Address), _fastLocal.Port);
            }
            _lastFlowUrl = null;
            _flowUrlPath = null;
            DestinationPrefix = Server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"http://[{Server.Address}]:{Server.Port}"
                : $"http://{Server.Address}:{Server.Port}";
            _clientFlow = null;
            _serverFlow = null;
        }
        ClientPeer = resolver.Resolve(Client.Address) ?? PeerInfo.World;
        ServerPeer = resolver.Resolve(Server.Address) ?? PeerInfo.World;
    }

    /// <summary>Step 2: method, canonical host and target, header sanity. Fills <see cref="FlowHeaders"/> when asked.</summary>
    public CanonicalizeError Canonicalize(bool collectHeaders, bool redact)
    {
        var head = _head;
        Method = head.Method;
        Protocol = head.Protocol;
        IsHttp2 = string.Equals(Protocol, "HTTP/2", StringComparison.Ordinal);
        IsH2cUpgrade = false;
        var rawTarget = head.RawTarget;
        PathAndQuery = rawTarget;
        if (head.SameFieldsAsPrevious && ReferenceEquals(head, _checkedHead) && (!collectHeaders || (_checkedFlowHeaders is not null && _checkedRedact == redact)))
        {
            // The same field strings as the previous request, which passed: same checks,
            // and its (never modified) flow header list describes this request too.
            FlowHeaders = collectHeaders ? _checkedFlowHeaders : null;
        }
        else
        {
            _checkedHead = null;
            if (collectHeaders)
            {
                FlowHeaders = new List<KeyValuePair<string, string>>(head.HeaderCount);
            }
            if (!head.CheckHeaders(FlowHeaders, redact))
            {
                return CanonicalizeError.InvalidHeaderValue;
            }
            _checkedHead = head;
            _checkedFlowHeaders = FlowHeaders;
            _checkedRedact = redact;
        }
        if (string.Equals(Method, "CONNECT", StringComparison.Ordinal))
        {
            // A WebSocket over HTTP/2 (extended CONNECT with :protocol websocket) is the HTTP/2 spelling of an
            // HTTP/1.1 "GET + Upgrade: websocket": it is judged as that GET, so one rule covers both. Every other
            // CONNECT (a tunnel, another :protocol) is refused.
            if (!string.Equals(head.ConnectProtocol, "websocket", StringComparison.OrdinalIgnoreCase))
            {
                return CanonicalizeError.UnsupportedMethod;
            }
            Method = "GET";
        }
        var host = head["Host"];
        if (host.Count > 1)
        {
            return CanonicalizeError.MultipleHost;
        }
        if (host.Count == 0 && string.Equals(Protocol, "HTTP/1.1", StringComparison.Ordinal))
        {
            return CanonicalizeError.MissingHost;
        }
        RawHost = host.Count == 0 ? string.Empty : host[0] ?? string.Empty;
        if (host.Count == 1 && RawHost.Length == 0)
        {
            return CanonicalizeError.InvalidHost; // an http(s) target always has an authority: an empty Host cannot be judged
        }
        string canonicalHost;
        if (ReferenceEquals(RawHost, _lastRawHost))
        {
            canonicalHost = _lastHost; // the same Host string as the previous request: same result
        }
        else
        {
            if (!HostNormalizer.TryNormalize(RawHost, out canonicalHost))
            {
                return CanonicalizeError.InvalidHost;
            }
            _lastRawHost = RawHost;
            _lastHost = canonicalHost;
        }
        Host = canonicalHost;
        // Kestrel keeps Transfer-Encoding and renames a Content-Length sent with it to
        // X-Content-Length; either spelling next to Transfer-Encoding is refused.
        if (head["Transfer-Encoding"].Count > 0 && (head["Content-Length"].Count > 0 || head["X-Content-Length"].Count > 0))
        {
            return CanonicalizeError.ContentLengthWithTransferEncoding;
        }
        var framing = FramingRules.Check(head, Protocol);
        if (framing != CanonicalizeError.None)
        {
            return framing;
        }
        var upgrade = head["Upgrade"];
        if (upgrade.Count > 0)
        {
            foreach (var value in upgrade)
            {
                if (value is not null && value.Contains("h2c", StringComparison.OrdinalIgnoreCase))
                {
                    IsH2cUpgrade = true;
                }
            }
        }
        if (ReferenceEquals(rawTarget, _lastRawTarget) && ReferenceEquals(canonicalHost, _lastTargetHost) && ReferenceEquals(RawHost, _lastTargetRawHost))
        {
            PathAndQuery = _lastPathAndQuery; // only a target that canonicalized cleanly is remembered
            return CanonicalizeError.None;
        }
        var error = RequestCanonicalizer.CanonicalizeTarget(rawTarget, canonicalHost, RawHost, out var pathAndQuery);
        PathAndQuery = pathAndQuery;
        if (error == CanonicalizeError.None)
        {
            _lastRawTarget = rawTarget;
            _lastTargetHost = canonicalHost;
            _lastTargetRawHost = RawHost;
            _lastPathAndQuery = pathAndQuery;
        }
        return error;
    }

    /// <summary>Step 3: the rule set for this peer, cached while the snapshot and identity stay the same.</summary>
    public HttpRuleSet? GetRules(IProxyPolicy? snapshot, RedirectKey key, uint remoteIdentity)
    {
        if (snapshot is null)
        {
            return null;
        }
        if (!ReferenceEquals(snapshot, _rulesSnapshot) || remoteIdentity != _rulesIdentity)
        {
            _rules = snapshot.GetRules<HttpRuleSet>(key, remoteIdentity);
            _rulesSnapshot = snapshot;
            _rulesIdentity = remoteIdentity;
        }
        return _rules;
    }

    public FlowEndpoint ClientFlowEndpoint()
    {
        var cached = _clientFlow;
        if (cached is null || !ReferenceEquals(cached.Peer, ClientPeer))
        {
            _clientFlow = cached = new FlowEndpoint(Client.Address, (ushort)Client.Port, ClientPeer);
        }
        return cached;
    }

    public FlowEndpoint ServerFlowEndpoint()
    {
        var cached = _serverFlow;
        if (cached is null || !ReferenceEquals(cached.Peer, ServerPeer))
        {
            _serverFlow = cached = new FlowEndpoint(Server.Address, (ushort)Server.Port, ServerPeer);
        }
        return cached;
    }

    /// <inheritdoc />
    public bool TryGetHeader(string name, out string value)
    {
        var values = _head[name];
        if (values.Count > 0)
        {
            value = RepeatedFields.Join(name, values); // not StringValues.ToString(): that drops empty values
            return true;
        }
        value = string.Empty;
        return false;
    }

    private static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
