using System.Net;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// The pooled UDP upstreams of the DNS proxy, one <see cref="DnsUdpUpstreamServer"/>
/// per server address and port, at most <see cref="MaxServers"/> (the least recently
/// used idle one is closed to make room; when none is idle the query fails → SERVFAIL).
/// </summary>
internal sealed class DnsUdpUpstreamPool(ProxyOptions options) : IDisposable
{
    /// <summary>Most servers with an open socket.</summary>
    public const int MaxServers = 256;

    private readonly Dictionary<IPEndPoint, DnsUdpUpstreamServer> _servers = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>Open upstream sockets.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _servers.Count;
            }
        }
    }

    /// <summary>The pooled upstream of <paramref name="server"/>, opened on first use.</summary>
    public DnsUdpUpstreamServer For(IPEndPoint server)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_servers.TryGetValue(server, out var existing))
            {
                return existing;
            }
            if (_servers.Count >= MaxServers)
            {
                var idle = _servers.Where(s => s.Value.PendingCount == 0).OrderBy(s => s.Value.LastUse).Select(s => s.Key).FirstOrDefault()
                    ?? throw new IOException($"{MaxServers} DNS servers already have queries in flight: over the proxy's bound");
                _servers.Remove(idle, out var closed);
                closed!.Dispose();
            }
            var opened = DnsUdpUpstreamServer.Open(options, server, options.DnsMaxQueriesInFlight);
            _servers[server] = opened;
            return opened;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var s in _servers.Values)
            {
                s.Dispose();
            }
            _servers.Clear();
        }
    }
}
