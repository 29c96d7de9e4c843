using CiliumL7.Agent.State;
using CiliumL7.Policy;

namespace CiliumL7.Agent.Regeneration;

/// <summary>
/// Proxy listener ports, one per (endpoint, direction, port, protocol), from the
/// agent's range. Persisted: after a restart the pinned policy maps still
/// redirect to the old ports, so the same redirect must get the same port.
/// </summary>
internal sealed class ProxyPortAllocator
{
    private readonly object _lock = new();
    private readonly string _path;
    private readonly int _min;
    private readonly int _max;
    private readonly Dictionary<(int, TrafficDirection, ushort, byte), ushort> _ports = [];

    public ProxyPortAllocator(string path, int min, int max)
    {
        _path = path;
        _min = min;
        _max = max;
        foreach (var r in StateFile.Read(path, AgentStateJsonContext.Default.ListPersistedRedirect) ?? [])
        {
            var direction = r.Direction == "egress" ? TrafficDirection.Egress : TrafficDirection.Ingress;
            _ports[(r.EndpointId, direction, (ushort)r.Port, (byte)r.Protocol)] = (ushort)r.ProxyPort;
        }
    }

    public ushort Get(int endpointId, TrafficDirection direction, ushort port, byte protocol)
    {
        lock (_lock)
        {
            var key = (endpointId, direction, port, protocol);
            if (_ports.TryGetValue(key, out var existing))
            {
                return existing;
            }
            var used = new HashSet<ushort>(_ports.Values);
            for (var candidate = _min; candidate <= _max; candidate++)
            {
                if (!used.Contains((ushort)candidate))
                {
                    _ports[key] = (ushort)candidate;
                    Persist();
                    return (ushort)candidate;
                }
            }
            throw new InvalidOperationException($"proxy port range {_min}-{_max} is exhausted");
        }
    }

    /// <summary>Forgets assignments no longer in use (keeps the ones in <paramref name="inUse"/>).</summary>
    public void Retain(IEnumerable<RedirectSpec> inUse)
    {
        lock (_lock)
        {
            var keep = new HashSet<(int, TrafficDirection, ushort, byte)>(inUse.Select(r => (r.EndpointId, r.Direction, r.Port, r.Protocol)));
            var stale = _ports.Keys.Where(k => !keep.Contains(k)).ToList();
            foreach (var key in stale)
            {
                _ports.Remove(key);
            }
            if (stale.Count > 0)
            {
                Persist();
            }
        }
    }

    private void Persist() =>
        StateFile.Write(_path, [.. _ports.Select(kv => new PersistedRedirect(kv.Key.Item1, kv.Key.Item2 == TrafficDirection.Egress ? "egress" : "ingress", kv.Key.Item3, kv.Key.Item4, kv.Value))],
            AgentStateJsonContext.Default.ListPersistedRedirect);
}
