using System.Net;
using System.Net.Sockets;
using CiliumL7.Datapath.Events;
using CiliumL7.Datapath.Tests.Support;
using CiliumL7.Policy;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests.Integration;

/// <summary>Redirect into a transparent proxy listener in the node netns (bpf_sk_assign + mark + table 2004).</summary>
public sealed class RedirectTests
{
    private const int ServerPort = 8080;

    /* a connect that policy drops: the SYN never gets an answer */
    private const int ExpectTimeoutMs = 1500;
    private const int ProxyPort = 15001;

    private static PolicyMapEntry RedirectIngress(uint from) =>
        new(TrafficDirection.Ingress, from, 6, ServerPort, 0, PolicyMapVerdict.Redirect, ProxyPort, 9);

    [SkippableFact]
    public async Task Redirect_PodToPod_ListenerSeesOriginalDestination()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        topo.InstallProxyRouting();
        using var proxy = new TransparentProxy(topo.Node, ProxyPort, forward: false);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [RedirectIngress(PodTopology.IdA)], ingressEnforced: true, egressEnforced: false);

        var answer = await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort);

        Assert.Equal("proxied", answer);
        var (local, remote) = await proxy.FirstAccepted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(topo.IpB), ServerPort), local);
        Assert.Equal(IPAddress.Parse(topo.IpA), remote.Address);
        var ev = await topo.Test.WaitForEventAsync(e => e.Type == DatapathEventType.PolicyVerdict && e.DestinationPort == ServerPort);
        Assert.NotNull(ev);
        Assert.Equal(DatapathVerdict.Redirected, ev.Verdict);
        Assert.Equal(ProxyPort, ev.ProxyPort);
    }

    [SkippableFact]
    public async Task Redirect_NoListener_DroppedWithProxyLookupFailed()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        topo.InstallProxyRouting();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [RedirectIngress(PodTopology.IdA)], ingressEnforced: true, egressEnforced: false);

        Assert.Null(await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort, timeoutMs: ExpectTimeoutMs));

        var ev = await topo.Test.WaitForEventAsync(e => e.Type == DatapathEventType.Drop && e.DestinationPort == ServerPort);
        Assert.NotNull(ev);
        Assert.Equal(DropReason.ProxyLookupFailed, ev.Reason);
    }

    [SkippableFact]
    public async Task Redirect_ProxyForwardsFromOriginalSource_ServerAnswersThroughProxy()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        topo.InstallProxyRouting();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        using var proxy = new TransparentProxy(topo.Node, ProxyPort, forward: true);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [RedirectIngress(PodTopology.IdA)], ingressEnforced: true, egressEnforced: true);

        var answer = await PodTopology.TryEchoAsync(topo.PodA, topo.IpB, ServerPort, timeoutMs: 8000);

        Assert.Equal("via-proxy:ping", answer);
    }

    [SkippableFact]
    public async Task Redirect_FromNodeIntoPod_LoopsThroughIngressToListener()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        topo.InstallProxyRouting();
        /* the looped packet carries the node's own source address: accept it */
        topo.Node.Exec("sysctl -qw net.ipv4.conf.lxcb.accept_local=1");
        using var proxy = new TransparentProxy(topo.Node, ProxyPort, forward: false);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [RedirectIngress(2 /* world */)], ingressEnforced: true, egressEnforced: false);

        var answer = await PodTopology.TryEchoAsync(topo.Node, topo.IpB, ServerPort);

        Assert.Equal("proxied", answer);
        var (local, _) = await proxy.FirstAccepted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(topo.IpB), ServerPort), local);
    }

    [SkippableFact]
    public async Task Redirect_Udp_DatagramReachesTransparentSocketWithOriginalDestination()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        topo.InstallProxyRouting();
        using var proxySocket = topo.Node.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.SetRawSocketOption(0, 19 /* IP_TRANSPARENT */, BitConverter.GetBytes(1));
            s.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            s.Bind(new IPEndPoint(IPAddress.Any, ProxyPort));
            return s;
        });
        topo.Datapath.ApplyPolicy(PodTopology.EpB,
            [new(TrafficDirection.Ingress, PodTopology.IdA, 17, 5353, 0, PolicyMapVerdict.Redirect, ProxyPort, 3)],
            ingressEnforced: true, egressEnforced: false);
        using var client = topo.PodA.Invoke(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));

        var buf = new byte[64];
        var receive = proxySocket.ReceiveMessageFromAsync(buf, new IPEndPoint(IPAddress.Any, 0));
        for (int i = 0; i < 10 && !receive.IsCompleted; i++)
        {
            await client.SendToAsync("query"u8.ToArray(), new IPEndPoint(IPAddress.Parse(topo.IpB), 5353));
            await Task.WhenAny(receive, Task.Delay(300));
        }

        Assert.True(receive.IsCompleted, "the proxy socket received nothing");
        var result = await receive;
        Assert.Equal("query", System.Text.Encoding.ASCII.GetString(buf, 0, result.ReceivedBytes));
        Assert.Equal(IPAddress.Parse(topo.IpB), result.PacketInformation.Address);
        Assert.Equal(IPAddress.Parse(topo.IpA), ((IPEndPoint)result.RemoteEndPoint).Address);
    }

    [SkippableFact]
    public async Task Redirect_IPv6_ProxyForwardsFromOriginalSource()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        topo.InstallProxyRouting();
        using var server = PodTopology.EchoServer(topo.PodB, ServerPort);
        using var proxy = new TransparentProxy(topo.Node, ProxyPort, forward: true);
        topo.Datapath.ApplyPolicy(PodTopology.EpB, [RedirectIngress(PodTopology.IdA)], ingressEnforced: true, egressEnforced: true);

        var answer = await PodTopology.TryEchoAsync(topo.PodA, topo.Ip6B, ServerPort, timeoutMs: 8000);

        Assert.Equal("via-proxy:ping", answer);
        var (local, remote) = await proxy.FirstAccepted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(topo.Ip6B), ServerPort), local);
        Assert.Equal(IPAddress.Parse(topo.Ip6A), remote.Address);
    }

    [SkippableFact]
    public async Task Redirect_EgressToWorld_UpstreamRepliesFromOutsideReachProxy()
    {
        Privileged.Require();
        using var topo = new PodTopology();
        var world = topo.AddWorld();
        topo.InstallProxyRouting();
        int uplink = topo.Node.IfIndex("wld0");
        topo.Node.Invoke(() =>
        {
            topo.Datapath.AttachNetdev(uplink);
            return 0;
        });
        using var server = PodTopology.EchoServer(world, ServerPort);
        using var proxy = new TransparentProxy(topo.Node, ProxyPort, forward: true);
        topo.Datapath.ApplyPolicy(PodTopology.EpA,
            [new(TrafficDirection.Egress, 2 /* world */, 6, ServerPort, 0, PolicyMapVerdict.Redirect, ProxyPort, 11)],
            ingressEnforced: true, egressEnforced: true);

        var answer = await PodTopology.TryEchoAsync(topo.PodA, topo.WorldIp, ServerPort, timeoutMs: 8000);

        Assert.Equal("via-proxy:ping", answer);
        var (local, _) = await proxy.FirstAccepted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(topo.WorldIp), ServerPort), local);
    }
}
