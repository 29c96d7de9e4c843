using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

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
        var network = ToUInt(cidr.BaseAddress);
        var size = 1u << (32 - cidr.PrefixLength);
        _first = network + 1;
        _last = network + size - 2;
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
        return _used.Add(ToUInt(vip));
    }

    /// <summary>True when <paramref name="vip"/> is an allocatable address of the CIDR.</summary>
    public bool Contains(IPAddress vip)
    {
        if (vip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        var v = ToUInt(vip);
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
                return ToAddress(candidate);
            }
        }
        throw new InvalidOperationException("service CIDR " + Cidr + " is exhausted (" + span + " VIPs in use); delete services or widen the CIDR");
    }

    public void Release(IPAddress vip) => _used.Remove(ToUInt(vip));

    private static uint ToUInt(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    private static IPAddress ToAddress(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return new IPAddress(b);
    }
}
