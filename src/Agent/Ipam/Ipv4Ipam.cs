using System.Net;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Ipam;

/// <summary>
/// Hands out pod addresses from the node's pod CIDR. The network address, the
/// gateway (the first host address, <c>.1</c>) and the broadcast address are
/// never allocated. Allocation is idempotent per owner (a retried CNI ADD gets
/// the same address). Not thread-safe: the agent serializes calls.
/// </summary>
internal sealed class Ipv4Ipam
{
    private readonly Dictionary<uint, string> _owners = [];
    private uint _next;

    public Ipv4Ipam(Ipv4Cidr cidr)
    {
        Cidr = cidr;
        Gateway = cidr.At(1);
        _next = 2;
    }

    public Ipv4Cidr Cidr { get; }

    public IPAddress Gateway { get; }

    public int Available => (int)(Cidr.Size - 3) - _owners.Count;

    /// <summary>Allocates an address for <paramref name="owner"/> (the same one again if it already holds one).</summary>
    public IpamAllocation Allocate(string owner)
    {
        foreach (var (offset, holder) in _owners)
        {
            if (holder == owner)
            {
                return ToModel(offset, holder);
            }
        }
        var usable = Cidr.Size - 2;
        for (uint tried = 0; tried < usable; tried++)
        {
            var candidate = _next;
            _next = _next + 1 > usable ? 2 : _next + 1;
            if (candidate >= 2 && candidate <= usable && !_owners.ContainsKey(candidate))
            {
                _owners[candidate] = owner;
                return ToModel(candidate, owner);
            }
        }
        throw new InvalidOperationException($"pod CIDR {Cidr} is exhausted ({_owners.Count} addresses in use)");
    }

    /// <summary>Re-registers an address held before a restart; false if it is outside the CIDR or taken by another owner.</summary>
    public bool Restore(IPAddress ip, string owner)
    {
        if (!Cidr.Contains(ip))
        {
            return false;
        }
        var offset = Cidr.OffsetOf(ip);
        if (offset < 2 || offset > Cidr.Size - 2 || (_owners.TryGetValue(offset, out var holder) && holder != owner))
        {
            return false;
        }
        _owners[offset] = owner;
        return true;
    }

    /// <summary>Releases an address; false if it was not allocated.</summary>
    public bool Release(IPAddress ip) => Cidr.Contains(ip) && _owners.Remove(Cidr.OffsetOf(ip));

    /// <summary>Releases whatever <paramref name="owner"/> holds; false if nothing.</summary>
    public bool ReleaseOwner(string owner)
    {
        foreach (var (offset, holder) in _owners)
        {
            if (holder == owner)
            {
                _owners.Remove(offset);
                return true;
            }
        }
        return false;
    }

    public List<IpamAllocation> Allocations()
    {
        var list = new List<IpamAllocation>(_owners.Count);
        foreach (var (offset, owner) in _owners.OrderBy(kv => kv.Key))
        {
            list.Add(ToModel(offset, owner));
        }
        return list;
    }

    private IpamAllocation ToModel(uint offset, string owner) => new()
    {
        Ipv4 = Cidr.At(offset).ToString(),
        Gateway = Gateway.ToString(),
        Cidr = Cidr.ToString(),
        Owner = owner,
    };
}
