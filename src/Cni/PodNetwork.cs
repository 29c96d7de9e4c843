using System.Security.Cryptography;
using System.Text;

namespace CiliumL7.Cni;

/// <summary>
/// Wires a pod to the node: a veth pair whose host side (<c>lxc</c> + hash of
/// the container id) stays in the node netns and whose peer becomes the pod's
/// interface. Pod side: the address as /32, a link-scope route to the gateway
/// and a default route through it, with a permanent neighbour entry for the
/// gateway pointing at the host side's MAC (no ARP needed, like Cilium). Node
/// side: <c>IP/32 dev lxc…</c> and a permanent neighbour entry for the pod.
/// <code>
///   pod netns: eth0 10.244.0.5/32 ── default via 10.244.0.1 (lladdr = lxc MAC)
///                │ veth
///   node netns: lxc1a2b3c4d5e6 ── 10.244.0.5/32 dev lxc1a2b3c4d5e6
/// </code>
/// </summary>
internal static class PodNetwork
{
    /// <summary>Host-side veth name for a container: <c>lxc</c> + 11 hex digits (14 chars, under IFNAMSIZ).</summary>
    public static string HostInterfaceName(string containerId) => "lxc" + Hash(containerId);

    public static string TempPeerName(string containerId) => "tmp" + Hash(containerId);

    /// <summary>Creates and configures the pair; returns (host ifindex, host MAC, pod MAC).</summary>
    public static (int Ifindex, string HostMac, string PodMac) Add(string containerId, string netns, string ifName, string ip, string gateway, int mtu)
    {
        var host = HostInterfaceName(containerId);
        var peer = TempPeerName(containerId);
        IpCommand.TryRun("link", "del", host); // a half-done earlier ADD
        IpCommand.TryRun("link", "del", peer);
        var mtuArgs = mtu > 0 ? new[] { "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture) } : [];
        IpCommand.Run(["link", "add", host, .. mtuArgs, "type", "veth", "peer", "name", peer, .. mtuArgs]);
        try
        {
            IpCommand.Run("link", "set", peer, "netns", netns);
            IpCommand.RunInNetns(netns, "link", "set", "lo", "up");
            IpCommand.RunInNetns(netns, "link", "set", peer, "name", ifName);
            IpCommand.Run("link", "set", host, "up");
            var (ifindex, hostMac) = IpCommand.LinkInfo(null, host);
            IpCommand.RunInNetns(netns, "addr", "add", ip + "/32", "dev", ifName);
            IpCommand.RunInNetns(netns, "link", "set", ifName, "up");
            IpCommand.RunInNetns(netns, "neigh", "replace", gateway, "lladdr", hostMac, "dev", ifName, "nud", "permanent");
            IpCommand.RunInNetns(netns, "route", "replace", gateway, "dev", ifName, "scope", "link");
            IpCommand.RunInNetns(netns, "route", "replace", "default", "via", gateway, "dev", ifName);
            var (_, podMac) = IpCommand.LinkInfo(netns, ifName);
            IpCommand.Run("neigh", "replace", ip, "lladdr", podMac, "dev", host, "nud", "permanent");
            IpCommand.Run("route", "replace", ip + "/32", "dev", host);
            return (ifindex, hostMac, podMac);
        }
        catch
        {
            IpCommand.TryRun("link", "del", host);
            throw;
        }
    }

    /// <summary>Removes the pair (the pod side goes with the host side); true if it existed.</summary>
    public static bool Delete(string containerId) => IpCommand.TryRun("link", "del", HostInterfaceName(containerId));

    private static string Hash(string containerId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(containerId));
        return Convert.ToHexStringLower(hash)[..11];
    }
}
