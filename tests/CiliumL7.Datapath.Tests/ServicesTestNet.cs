using System.Net;

namespace CiliumL7.Datapath.Tests;

/// <summary>
/// Pods as network namespaces behind a bridge in a "node" namespace:
/// <code>
///   client ─┐
///   b1 ─────┤ br0 (node netns)     10.244.R.0/24, no default route:
///   b2 ─────┤                      nothing can leave the namespaces
///   decoy ──┘
/// </code>
/// Names carry a random suffix; Dispose deletes every namespace (and with
/// them every veth). Nothing is created in the host namespace.
/// </summary>
internal sealed class ServicesTestNet : IDisposable
{
    private readonly List<string> _namespaces = [];

    public ServicesTestNet()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var subnet = Random.Shared.Next(1, 255);
        Node = "cl7svc-" + suffix + "-node";
        try
        {
            AddNs(Node);
            ServicesShell.Ok("ip", "-n", Node, "link", "add", "br0", "type", "bridge");
            ServicesShell.Ok("ip", "-n", Node, "link", "set", "br0", "up");
            Client = AddPod("cl7svc-" + suffix + "-client", "10.244." + subnet + ".10", 0);
            Backend1 = AddPod("cl7svc-" + suffix + "-b1", "10.244." + subnet + ".11", 1);
            Backend2 = AddPod("cl7svc-" + suffix + "-b2", "10.244." + subnet + ".12", 2);
            Decoy = AddPod("cl7svc-" + suffix + "-decoy", "10.244." + subnet + ".13", 3);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Node { get; }

    public (string Netns, IPAddress Ip) Client { get; }

    public (string Netns, IPAddress Ip) Backend1 { get; }

    public (string Netns, IPAddress Ip) Backend2 { get; }

    public (string Netns, IPAddress Ip) Decoy { get; }

    public void Dispose()
    {
        for (var i = _namespaces.Count - 1; i >= 0; i--)
        {
            ServicesShell.Run("ip", "netns", "del", _namespaces[i]);
        }
        _namespaces.Clear();
    }

    private void AddNs(string name)
    {
        ServicesShell.Ok("ip", "netns", "add", name);
        _namespaces.Add(name);
    }

    private (string, IPAddress) AddPod(string netns, string ip, int index)
    {
        AddNs(netns);
        var hostSide = "v" + index;
        ServicesShell.Ok("ip", "-n", Node, "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", netns);
        ServicesShell.Ok("ip", "-n", Node, "link", "set", hostSide, "master", "br0", "up");
        ServicesShell.Ok("ip", "-n", netns, "addr", "add", ip + "/24", "dev", "eth0");
        ServicesShell.Ok("ip", "-n", netns, "link", "set", "eth0", "up");
        ServicesShell.Ok("ip", "-n", netns, "link", "set", "lo", "up");
        return (netns, IPAddress.Parse(ip));
    }
}
