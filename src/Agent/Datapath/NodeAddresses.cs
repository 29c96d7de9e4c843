using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace CiliumL7.Agent.Datapath;

/// <summary>
/// The node's own IPv4 addresses (every global address of the agent's network namespace, except
/// addresses inside the pod CIDR and on the pods' veths): the ipcache maps each to the reserved
/// identity host (1), so traffic from the node to a pod is judged as <c>fromEntities: [host]</c>,
/// not as the world. Read again by <see cref="NodeAddressWatch"/>; the current set is swapped whole.
/// </summary>
internal sealed class NodeAddresses(IPNetwork podCidr)
{
    private volatile IReadOnlyList<IPAddress> _current = [];

    /// <summary>For <c>--pod-cidr</c> as the agent accepts it (host bits allowed: they are masked).</summary>
    public static NodeAddresses ForPodCidr(string podCidr)
    {
        var slash = podCidr.IndexOf('/', StringComparison.Ordinal);
        var bits = int.Parse(podCidr.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture);
        var bytes = IPAddress.Parse(podCidr.AsSpan(0, slash)).GetAddressBytes();
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) & (bits == 0 ? 0u : uint.MaxValue << (32 - bits));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new NodeAddresses(new IPNetwork(new IPAddress(bytes), bits));
    }

    /// <summary>The addresses found by the last <see cref="Refresh"/>, sorted.</summary>
    public IReadOnlyList<IPAddress> Current => _current;

    /// <summary>Reads the namespace's addresses; true when they changed.</summary>
    public bool Refresh()
    {
        var found = Scan();
        if (found.SequenceEqual(_current))
        {
            return false;
        }
        _current = found;
        return true;
    }

    private List<IPAddress> Scan()
    {
        var found = new SortedSet<IPAddress>(Comparer<IPAddress>.Create((a, b) => a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes())));
        NetworkInterface[] interfaces;
        try
        {
            interfaces = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            return [.. _current]; // keep what was known rather than drop the host entries
        }
        foreach (var nic in interfaces)
        {
            if (nic.Name.StartsWith("lxc", StringComparison.Ordinal))
            {
                continue; // a pod's veth (no address by design; never the node's)
            }
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var ip = unicast.Address;
                if (ip.AddressFamily != AddressFamily.InterNetwork || IPAddress.IsLoopback(ip) || podCidr.Contains(ip)
                    || (ip.GetAddressBytes() is [169, 254, ..]))
                {
                    continue;
                }
                found.Add(ip);
            }
        }
        return [.. found];
    }
}
