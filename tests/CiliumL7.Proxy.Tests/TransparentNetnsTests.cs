using System.Net;
using CiliumL7.Policy;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;
using CiliumL7.TestSupport;

namespace CiliumL7.Proxy.Tests;

/// <summary>
/// Root only. A "node" namespace routes between a client and a server namespace
/// and hosts the proxy (its sockets are created in the node namespace). Unmarked
/// node traffic has no route to the server, so a successful request proves the
/// upstream socket carried <see cref="ProxyMarks.FromProxy"/>; the server seeing
/// the client's address proves the transparent bind. Replies to the client
/// address are delivered locally in the node (what eBPF's socket lookup does in
/// production).
/// </summary>
public sealed class TransparentNetnsTests
{
    [SkippableFact]
    public async Task TransparentUpstream_InNodeNamespace_ServerSeesClientAddressAndDenyIs403()
    {
        Privileged.Require();
        using var netns = new Netns();
        var node = netns.Add("node");
        var client = netns.Add("cli");
        var server = netns.Add("srv");
        string vc = "vc" + netns.Suffix, vs = "vs" + netns.Suffix;

        Netns.In(node, "ip", "link", "add", vc, "type", "veth", "peer", "name", "eth0", "netns", client);
        Netns.In(node, "ip", "link", "add", vs, "type", "veth", "peer", "name", "eth0", "netns", server);
        Netns.In(node, "ip", "addr", "add", "10.244.1.1/24", "dev", vc);
        Netns.In(node, "ip", "addr", "add", "10.244.2.1/24", "dev", vs);
        Netns.In(node, "ip", "link", "set", vc, "up");
        Netns.In(node, "ip", "link", "set", vs, "up");
        Netns.In(node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        foreach (var (ns, address, gateway) in new[] { (client, "10.244.1.2/24", "10.244.1.1"), (server, "10.244.2.2/24", "10.244.2.1") })
        {
            Netns.In(ns, "ip", "addr", "add", address, "dev", "eth0");
            Netns.In(ns, "ip", "link", "set", "eth0", "up");
            Netns.In(ns, "ip", "route", "add", "default", "via", gateway);
        }
        // Only marked (proxy) traffic may reach the server subnet from the node.
        Netns.In(node, "ip", "route", "del", "10.244.2.0/24", "dev", vs);
        Netns.In(node, "ip", "route", "add", "10.244.2.0/24", "dev", vs, "table", "2005");
        Netns.In(node, "ip", "rule", "add", "fwmark", $"0x{ProxyMarks.FromProxy:x}/0xf00", "lookup", "2005", "pref", "100");
        // Replies from the server to the client's address belong to the proxy's transparent socket.
        Netns.In(node, "ip", "rule", "add", "iif", vs, "lookup", "2004", "pref", "101");
        Netns.In(node, "ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "2004");
        // From the client, everything to the server subnet must go through the node's listener (no forwarding path).
        Netns.In(node, "sysctl", "-qw", "net.ipv4.ip_forward=0");

        await using var backend = new RawRecordingBackend(address: IPAddress.Parse("10.244.2.2"), port: 80, networkNamespace: Netns.PathOf(server));
        var options = new ProxyOptions
        {
            NetworkNamespace = Netns.PathOf(node),
            ListenAddresses = [IPAddress.Any],
            TransparentListeners = true,
            TransparentUpstream = true,
            UpstreamMark = ProxyMarks.FromProxy,
        };
        var peers = new TestPeers()
            .Add(IPAddress.Parse("10.244.1.2"), ProxyHarness.Client)
            .Add(IPAddress.Parse("10.244.2.2"), ProxyHarness.Server);
        var flows = new InMemoryFlowSink();
        await using var proxy = new L7Proxy(options, peers, flows);
        proxy.SetPolicy(TestPolicy.Allow(TestPolicy.Rule("POST", "/v1/request-landing")));
        var port = (ushort)(15000 + Random.Shared.Next(900));
        var redirect = new ProxyRedirect(port, new RedirectKey(7, TrafficDirection.Ingress, 80)) { TestUpstreamOverride = new IPEndPoint(IPAddress.Parse("10.244.2.2"), 80) };
        await proxy.AddRedirectAsync(redirect);

        var url = $"http://10.244.1.1:{port}";
        var landed = Netns.TryIn(client, "curl", "-s", "--max-time", "10", "-X", "POST", "-H", "Host: deathstar", "-d", "x", url + "/v1/request-landing");
        Assert.Equal((0, "ok POST /v1/request-landing"), landed);
        var denied = Netns.TryIn(client, "curl", "-s", "-i", "--max-time", "10", "-X", "PUT", "-H", "Host: deathstar", url + "/v1/exhaust-port");
        Assert.Equal(0, denied.ExitCode);
        Assert.StartsWith("HTTP/1.1 403 Forbidden\r\n", denied.Output);
        Assert.EndsWith("\r\n\r\nAccess denied\r\n", denied.Output);

        var recorded = Assert.Single(backend.Requests);
        Assert.Equal("/v1/request-landing", recorded.Target);
        Assert.Equal(IPAddress.Parse("10.244.1.2"), Assert.Single(backend.Peers).Address);
        Assert.Contains(flows.Snapshot(), f => f.Type == L7FlowType.Request && f.Verdict == FlowVerdict.Dropped && f.Source.Peer == ProxyHarness.Client);
        Assert.Contains(flows.Snapshot(), f => f.Type == L7FlowType.Response && f.Http.Code == 403 && f.Destination.Peer == ProxyHarness.Client);
    }
}
