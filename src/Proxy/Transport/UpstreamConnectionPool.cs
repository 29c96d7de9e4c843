using System.Collections.Concurrent;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// Idle raw upstream connections of the HTTP/1.1 fast path, per
/// <see cref="UpstreamKey"/>. A client connection keeps the upstream connection it
/// took for as long as it lives and gives it back when it closes; connections idle
/// longer than <see cref="ProxyOptions.UpstreamIdleTimeout"/>, or closed by the
/// peer, are dropped when taken and by a periodic sweep.
/// </summary>
internal sealed class UpstreamConnectionPool : IDisposable
{
    private const int MaxIdlePerKey = 256;

    private readonly ProxyOptions _options;
    private readonly ConcurrentDictionary<UpstreamKey, ConcurrentStack<UpstreamConnection>> _idle = new();
    private readonly Timer _sweep;
    private volatile bool _disposed;

    public UpstreamConnectionPool(ProxyOptions options)
    {
        _options = options;
        var period = TimeSpan.FromSeconds(Math.Clamp(options.UpstreamIdleTimeout.TotalSeconds / 2, 1, 15));
        _sweep = new Timer(static state => ((UpstreamConnectionPool)state!).Sweep(), this, period, period);
    }

    /// <summary>Idle connections currently pooled (for tests).</summary>
    public int IdleCount
    {
        get
        {
            var n = 0;
            foreach (var pair in _idle)
            {
                n += pair.Value.Count;
            }
            return n;
        }
    }

    /// <summary>An idle connection for <paramref name="key"/> that still looks alive, or null.</summary>
    public UpstreamConnection? TryTake(UpstreamKey key)
    {
        if (!_idle.TryGetValue(key, out var stack))
        {
            return null;
        }
        var now = Environment.TickCount64;
        while (stack.TryPop(out var connection))
        {
            if (now - connection.IdleSince < (long)_options.UpstreamIdleTimeout.TotalMilliseconds && !connection.IsStale())
            {
                return connection;
            }
            connection.Dispose();
        }
        return null;
    }

    /// <summary>Gives a connection back after a complete exchange (disposed when the pool is full or stopped).</summary>
    public void Return(UpstreamConnection connection)
    {
        if (_disposed)
        {
            connection.Dispose();
            return;
        }
        if (!_idle.TryGetValue(connection.Key, out var stack))
        {
            if (_idle.Count >= _options.MaxUpstreamPools)
            {
                connection.Dispose();
                return;
            }
            stack = _idle.GetOrAdd(connection.Key, static _ => new ConcurrentStack<UpstreamConnection>());
        }
        if (stack.Count >= MaxIdlePerKey)
        {
            connection.Dispose();
            return;
        }
        connection.IdleSince = Environment.TickCount64;
        stack.Push(connection);
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        var limit = (long)_options.UpstreamIdleTimeout.TotalMilliseconds;
        foreach (var pair in _idle)
        {
            var stack = pair.Value;
            var keep = new List<UpstreamConnection>();
            while (stack.TryPop(out var connection))
            {
                if (now - connection.IdleSince < limit && !connection.IsStale())
                {
                    keep.Add(connection);
                }
                else
                {
                    connection.Dispose();
                }
            }
            for (var i = keep.Count - 1; i >= 0; i--)
            {
                stack.Push(keep[i]);
            }
            if (stack.IsEmpty)
            {
                _idle.TryRemove(new KeyValuePair<UpstreamKey, ConcurrentStack<UpstreamConnection>>(pair.Key, stack));
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _sweep.Dispose();
        foreach (var pair in _idle)
        {
            while (pair.Value.TryPop(out var connection))
            {
                connection.Dispose();
            }
        }
        _idle.Clear();
    }
}
