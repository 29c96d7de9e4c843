using System.Net;
using System.Net.Sockets;
using CiliumL7.Agent.Ipam;

namespace CiliumL7.Agent.Services;

/// <summary>Hands out service VIPs from an IPv4 CIDR (network and broadcast addresses excluded). Not thread-safe.</summary>
internal sealed class ServiceVipAllocator
{
    private readonly uint _first;
    private readonly uint _last;
    private readonly HashSet<uint> _used = [];
    private uint _next;

    public ServiceVipAllocator(IPNetwork cidr)
    {
        if (cidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork || cidr.PrefixLength > 30)
        {
            throw new ArgumentException("service CIDR must be IPv4 with a prefix of /30 or shorter; got " + cidr, nameof(cidr));
        }
        Cidr = cidr;
        var prefix = new Ipv4Cidr(Ipv4Cidr.ToUInt(cidr.BaseAddress), cidr.PrefixLength);
        _first = prefix.Network + 1;
        _last = prefix.Network + prefix.Size - 2;
        _next = _first;
    }

    public IPNetwork Cidr { get; }

    /// <summary>Marks <paramref name="vip"/> used; false when outside the CIDR or already taken.</summary>
    public bool TryReserve(IPAddress vip)
    {
        if (!Contains(vip))
        {
            return false;
        }
        return _used.Add(Ipv4Cidr.ToUInt(vip));
    }

    /// <summary>True when <paramref name="vip"/> is an allocatable address of the CIDR.</summary>
    public bool Contains(IPAddress vip)
    {
        if (vip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        var v = Ipv4Cidr.ToUInt(vip);
        return v >= _first && v <= _last;
    }

    /// <summary>The next free VIP (round robin, so a released VIP is not reused at once).</summary>
    /// <exception cref="InvalidOperationException">The CIDR is exhausted.</exception>
    public IPAddress Allocate()
    {
        var span = _last - _first + 1;
        for (var i = 0u; i < span; i++)
        {
            var candidate = _next;
            _next = _next == _last ? _first : _next + 1;
            if (_used.Add(candidate))
            {
                return Ipv4Cidr.FromUInt(candidate);
            }
        }
        throw new InvalidOperationException("service CIDR " + Cidr + " is exhausted (" + span + " VIPs in use); delete services or widen the CIDR");
    }

    public void Release(IPAddress vip) => _used.Remove(Ipv4Cidr.ToUInt(vip));
}
