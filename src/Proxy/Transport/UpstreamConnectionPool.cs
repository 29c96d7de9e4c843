using System.Collections.Concurrent;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// Idle raw upstream connections of the HTTP/1.1 fast path, one LIFO stack per
/// <see cref="UpstreamKey"/> (client address in transparent mode + destination).
/// A request takes a connection and gives it back when its exchange left it clean,
/// so idle client connections hold no upstream connection. Connections idle longer
/// than <see cref="ProxyOptions.UpstreamIdleTimeout"/>, or closed by the peer, are
/// dropped when taken and by a periodic sweep.
/// </summary>
internal sealed class UpstreamConnectionPool : IDisposable
{
    private const int MaxIdlePerKey = 256;

    // Taken sooner than this after it went idle, a connection is not probed for a
    // close by the peer (a syscall); a stale one fails before any response byte and
    // the request is retried once on a fresh connection.
    private const long ProbeAfterMs = 1000;

    private readonly ProxyOptions _options;
    private readonly ConcurrentDictionary<UpstreamKey, IdleStack> _idle = new();
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

    /// <summary>
    /// The idle stack of <paramref name="key"/> (callers may keep it: stacks are never
    /// removed); null when the pool already tracks <see cref="ProxyOptions.MaxUpstreamPools"/> keys.
    /// </summary>
    public IdleStack? GetStack(UpstreamKey key)
    {
        if (_idle.TryGetValue(key, out var stack))
        {
            return stack;
        }
        return _idle.Count >= _options.MaxUpstreamPools ? null : _idle.GetOrAdd(key, static _ => new IdleStack());
    }

    /// <summary>An idle connection from <paramref name="stack"/> that still looks alive, or null.</summary>
    public UpstreamConnection? TryTake(IdleStack? stack)
    {
        if (stack is null)
        {
            return null;
        }
        var now = Environment.TickCount64;
        var idleLimit = (long)_options.UpstreamIdleTimeout.TotalMilliseconds;
        while (stack.TryPop(out var connection))
        {
            var idle = now - connection.IdleSince;
            if (idle < idleLimit && (idle < ProbeAfterMs || !connection.IsStale()))
            {
                return connection;
            }
            connection.Dispose();
        }
        return null;
    }

    /// <summary>Gives a connection back after a clean exchange (disposed when the stack is full or the pool stopped).</summary>
    public void Return(IdleStack? stack, UpstreamConnection connection)
    {
        connection.IdleSince = Environment.TickCount64;
        if (_disposed || stack is null || !stack.TryPush(connection, MaxIdlePerKey))
        {
            connection.Dispose();
            return;
        }
        if (_disposed && stack.TryPop(out var late))
        {
            late.Dispose(); // raced with Dispose
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        var limit = (long)_options.UpstreamIdleTimeout.TotalMilliseconds;
        foreach (var pair in _idle)
        {
            pair.Value.RemoveWhere(connection => now - connection.IdleSince >= limit || connection.IsStale());
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _sweep.Dispose();
        foreach (var pair in _idle)
        {
            pair.Value.RemoveWhere(static _ => true);
        }
    }

    /// <summary>A small locked LIFO of idle connections (no allocation per push or pop).</summary>
    internal sealed class IdleStack
    {
        private readonly Lock _lock = new();
        private UpstreamConnection[] _items = new UpstreamConnection[4];
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public bool TryPop(out UpstreamConnection connection)
        {
            lock (_lock)
            {
                if (_count == 0)
                {
                    connection = null!;
                    return false;
                }
                connection = _items[--_count];
                _items[_count] = null!;
                return true;
            }
        }

        public bool TryPush(UpstreamConnection connection, int max)
        {
            lock (_lock)
            {
                if (_count >= max)
                {
                    return false;
                }
                if (_count == _items.Length)
                {
                    Array.Resize(ref _items, _items.Length * 2);
                }
                _items[_count++] = connection;
                return true;
            }
        }

        /// <summary>Disposes and removes every connection <paramref name="drop"/> selects (the sweep).</summary>
        public void RemoveWhere(Func<UpstreamConnection, bool> drop)
        {
            List<UpstreamConnection>? dropped = null;
            lock (_lock)
            {
                var kept = 0;
                for (var i = 0; i < _count; i++)
                {
                    if (drop(_items[i]))
                    {
                        (dropped ??= []).Add(_items[i]);
                    }
                    else
                    {
                        _items[kept++] = _items[i];
                    }
                }
                Array.Clear(_items, kept, _count - kept);
                _count = kept;
            }
            if (dropped is not null)
            {
                foreach (var connection in dropped)
                {
                    connection.Dispose();
                }
            }
        }
    }
}
