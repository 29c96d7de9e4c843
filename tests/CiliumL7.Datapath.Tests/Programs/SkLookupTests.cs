using System.Net;
using System.Net.Sockets;
using CiliumL7.Datapath.Abi;
using CiliumL7.Datapath.Tests.Support;
using CiliumL7.TestSupport;

namespace CiliumL7.Datapath.Tests.Programs;

/// <summary>
/// sk-lookup.c through BPF_PROG_TEST_RUN: the listener it selects for a new
/// connection, from the CT entry of the tuple and the registered proxy
/// listeners. The program is loaded, never attached; the listeners are
/// loopback sockets of this process.
/// </summary>
public sealed class SkLookupTests
{
    private const ushort ProxyPort = 15123;
    private static readonly IPEndPoint Client4 = new(IPAddress.Parse("10.244.9.2"), 40001);
    private static readonly IPEndPoint Server4 = new(IPAddress.Parse("10.244.9.3"), 80);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("fd00:10:244:9::2"), 40001);
    private static readonly IPEndPoint Server6 = new(IPAddress.Parse("fd00:10:244:9::3"), 80);

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void SkLookup_RedirectedTupleWithRegisteredListener_SelectsThatListener(bool ipv6)
    {
        Privileged.Require();
        using var dp = new TestDatapath();
        using var lookup = ProxySocketLookup.Load(BpfObjects.Directory, dp.Root);
        using var listener = Listen(ipv6);
        using var other = Listen(ipv6);
        var (client, server) = ipv6 ? (Client6, Server6) : (Client4, Server4);
        dp.Datapath.Connections.Update(Key(client, server, ProtocolType.Tcp), Entry(AbiConstants.CtRedirect, ProxyPort));
        lookup.Register(ProxyPort, listener);
        lookup.Register((ushort)(ProxyPort + 1), other);

        var selected = lookup.TestRun(client, server);

        Assert.NotEqual(0UL, selected);
        Assert.Equal(ProxySocketLookup.SocketCookie(listener), selected);
        Assert.True(lookup.IsRegistered(ProxyPort, listener.AddressFamily));
    }

    [SkippableFact]
    public void SkLookup_ListenerClosed_LeavesMapAndSelectsNothing()
    {
        Privileged.Require();
        using var dp = new TestDatapath();
        using var lookup = ProxySocketLookup.Load(BpfObjects.Directory, dp.Root);
        dp.Datapath.Connections.Update(Key(Client4, Server4, ProtocolType.Tcp), Entry(AbiConstants.CtRedirect, ProxyPort));
        using (var listener = Listen(ipv6: false))
        {
            lookup.Register(ProxyPort, listener);
            Assert.NotEqual(0UL, lookup.TestRun(Client4, Server4));
        }

        Assert.False(lookup.IsRegistered(ProxyPort, AddressFamily.InterNetwork));
        Assert.Equal(0UL, lookup.TestRun(Client4, Server4));
    }

    [SkippableTheory]
    [InlineData("no-ct-entry")]
    [InlineData("not-redirected")]
    [InlineData("other-port-registered")]
    [InlineData("udp")]
    [InlineData("reply-direction")]
    public void SkLookup_NotARedirectWithItsListener_SelectsNothing(string scenario)
    {
        Privileged.Require();
        using var dp = new TestDatapath();
        using var lookup = ProxySocketLookup.Load(BpfObjects.Directory, dp.Root);
        using var listener = Listen(ipv6: false);
        lookup.Register(scenario == "other-port-registered" ? (ushort)(ProxyPort + 7) : ProxyPort, listener);
        var protocol = scenario == "udp" ? ProtocolType.Udp : ProtocolType.Tcp;
        if (scenario != "no-ct-entry")
        {
            dp.Datapath.Connections.Update(Key(Client4, Server4, protocol), Entry(scenario == "not-redirected" ? AbiConstants.CtFromContainer : AbiConstants.CtRedirect, ProxyPort));
        }

        var selected = scenario == "reply-direction" ? lookup.TestRun(Server4, Client4, protocol) : lookup.TestRun(Client4, Server4, protocol);

        Assert.Equal(0UL, selected);
    }

    private static Socket Listen(bool ipv6)
    {
        var socket = new Socket(ipv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        socket.Listen(4);
        return socket;
    }

    private static unsafe CtKey Key(IPEndPoint client, IPEndPoint server, ProtocolType protocol)
    {
        var key = new CtKey
        {
            SportBe = (ushort)IPAddress.HostToNetworkOrder((short)client.Port),
            DportBe = (ushort)IPAddress.HostToNetworkOrder((short)server.Port),
            Protocol = (byte)protocol,
            Family = client.AddressFamily == AddressFamily.InterNetwork ? AbiConstants.FamilyIPv4 : AbiConstants.FamilyIPv6,
        };
        client.Address.TryWriteBytes(new Span<byte>(key.Saddr, 16), out _);
        server.Address.TryWriteBytes(new Span<byte>(key.Daddr, 16), out _);
        return key;
    }

    private static CtEntry Entry(byte flags, ushort proxyPort) => new() { Flags = flags, ProxyPort = proxyPort };
}
