using System.Buffers;
using System.Net;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Flows;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// Per-request state, reused across the requests of one HTTP/1.1 connection (or
/// one pooled HTTP/2 stream) through Kestrel's <c>IHostContextContainer</c>. It is
/// the <see cref="IHttpRequestFacts"/> the rules judge, and it caches what stays
/// the same on a connection: addresses, flow endpoints, the upstream prefix and
/// the rule set of the last (policy snapshot, identity) pair.
/// </summary>
internal sealed class ProxyRequestContext : IHttpRequestFacts
{
    // Header values: HTAB, visible ASCII and obs-text; anything else (CTLs, DEL) is refused.
    private static readonly SearchValues<char> HeaderValueChars = SearchValues.Create(BuildHeaderValueChars());

    private DefaultHttpContext? _http;
    private IHttpRequestFeature _request = null!;
    private IHttpConnectionFeature _connection = null!;
    private string? _connectionId;

    private IProxyPolicy? _rulesSnapshot;
    private uint _rulesIdentity;
    private HttpRuleSet? _rules;

    private FlowEndpoint? _clientFlow;
    private FlowEndpoint? _serverFlow;
    private string? _flowUrl;

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

    public IHeaderDictionary RequestHeaders => _request.Headers;

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
        _request = features.Get<IHttpRequestFeature>()!;
        _connection = features.Get<IHttpConnectionFeature>()!;
    }

    public void Reset()
    {
        _http?.Uninitialize();
        FlowHeaders = null;
        _flowUrl = null;
    }

    /// <summary>The URL reported in flows, <c>http://host/canonical-path?query</c>, built once per request.</summary>
    public string FlowUrl() => _flowUrl ??= string.Concat(
        "http://",
        RawHost.Length > 0 ? RawHost : DestinationPrefix.AsSpan(7),
        PathAndQuery);

    /// <summary>Step 1: the connection's addresses (cached per connection) and the peers behind them.</summary>
    public void ResolveAddresses(ProxyRedirect redirect, IPeerResolver resolver)
    {
        var connection = _connection;
        if (!ReferenceEquals(_connectionId, connection.ConnectionId))
        {
            _connectionId = connection.ConnectionId;
            Client = new IPEndPoint(Unmap(connection.RemoteIpAddress!), connection.RemotePort);
            Server = redirect.TestUpstreamOverride ?? new IPEndPoint(Unmap(connection.LocalIpAddress!), connection.LocalPort);
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
        var request = _request;
        Method = request.Method;
        Protocol = request.Protocol;
        IsHttp2 = string.Equals(Protocol, "HTTP/2", StringComparison.Ordinal);
        IsH2cUpgrade = false;
        PathAndQuery = request.RawTarget;
        var headers = request.Headers;
        if (collectHeaders)
        {
            FlowHeaders = new List<KeyValuePair<string, string>>(headers.Count);
        }
        foreach (var header in headers)
        {
            foreach (var value in header.Value)
            {
                if (value is not null && value.AsSpan().ContainsAnyExcept(HeaderValueChars))
                {
                    return CanonicalizeError.InvalidHeaderValue;
                }
                FlowHeaders?.Add(new(header.Key, redact ? "HIDDEN" : value ?? string.Empty));
            }
        }
        if (string.Equals(Method, "CONNECT", StringComparison.Ordinal))
        {
            return CanonicalizeError.UnsupportedMethod;
        }
        var host = headers.Host;
        if (host.Count > 1)
        {
            return CanonicalizeError.MultipleHost;
        }
        if (host.Count == 0 && string.Equals(Protocol, "HTTP/1.1", StringComparison.Ordinal))
        {
            return CanonicalizeError.MissingHost;
        }
        RawHost = host.Count == 0 ? string.Empty : host[0] ?? string.Empty;
        if (!HostNormalizer.TryNormalize(RawHost, out var canonicalHost))
        {
            return CanonicalizeError.InvalidHost;
        }
        Host = canonicalHost;
        // Kestrel keeps Transfer-Encoding and renames a Content-Length sent with it to
        // X-Content-Length; either spelling next to Transfer-Encoding is refused.
        if (headers.TransferEncoding.Count > 0 && (headers.ContentLength is not null || headers.ContainsKey("X-Content-Length")))
        {
            return CanonicalizeError.ContentLengthWithTransferEncoding;
        }
        var upgrade = headers.Upgrade;
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
        var error = RequestCanonicalizer.CanonicalizeTarget(request.RawTarget, canonicalHost, out var pathAndQuery);
        PathAndQuery = pathAndQuery;
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
            _rules = snapshot.GetHttpRules(key, remoteIdentity);
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
        if (_request.Headers.TryGetValue(name, out var values) && values.Count > 0)
        {
            value = values.Count == 1 ? values[0] ?? string.Empty : values.ToString();
            return true;
        }
        value = string.Empty;
        return false;
    }

    private static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static string BuildHeaderValueChars()
    {
        var chars = new char[1 + 95 + 128];
        var n = 0;
        chars[n++] = '\t';
        for (var c = 0x20; c <= 0x7E; c++)
        {
            chars[n++] = (char)c;
        }
        for (var c = 0x80; c <= 0xFF; c++)
        {
            chars[n++] = (char)c;
        }
        return new string(chars, 0, n);
    }
}
