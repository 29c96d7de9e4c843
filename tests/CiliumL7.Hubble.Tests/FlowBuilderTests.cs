using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using CiliumL7.Hubble.Flows;

namespace CiliumL7.Hubble.Tests;

public sealed class FlowBuilderTests
{
    [Theory]
    [InlineData(0x02, "SYN")]
    [InlineData(0x12, "SYN, ACK")]
    [InlineData(0x11, "ACK, FIN")]
    [InlineData(0x18, "ACK, PSH")]
    [InlineData(0x14, "ACK, RST")]
    public void TcpFlags_HeaderByte_PrintsLikeHubble(byte flags, string text)
        => Assert.Equal(text, FlowText.TcpFlags(FlowBuilder.TcpFlags(flags)));

    [Theory]
    [InlineData(6, "TCP Flags: SYN")]
    [InlineData(17, "UDP")]
    [InlineData(1, "ICMPv4 EchoRequest")]
    [InlineData(58, "ICMPv6 EchoRequest")]
    public void L4_DatapathProtocol_BuildsLayer4AndSummary(byte protocol, string summary)
    {
        var l4 = FlowBuilder.L4(protocol, 40000, protocol == 1 ? 8u : protocol == 58 ? 128u : 53u, 0x02);

        var flow = FlowBuilder.Drop(DeathStarFlows.XwingPeer, DeathStarFlows.DeathstarPeer, DropReason.PolicyDeny, TrafficDirection.Egress, l4);

        Assert.Equal(summary, flow.Summary);
        Assert.Equal(181u, flow.DropReason);
        Assert.Equal(181, flow.EventType.SubType);
    }

    [Fact]
    public void L4_UnknownProtocol_IsNull() => Assert.Null(FlowBuilder.L4(47, 0, 0));

    [Fact]
    public void AddPolicy_ByDirectionAndOutcome_FillsTheMatchingList()
    {
        var egressDeny = FlowBuilder.AddPolicy(DeathStarFlows.XwingDrop(), FlowBuilder.Policy("deny-all", "default"), denied: true);
        egressDeny.TrafficDirection = TrafficDirection.Egress;
        var flow = FlowBuilder.AddPolicy(FlowBuilder.Drop(DeathStarFlows.XwingPeer, DeathStarFlows.DeathstarPeer, DropReason.PolicyDeny, TrafficDirection.Egress),
            FlowBuilder.Policy("deny-all", "default"), denied: true);

        Assert.Equal("deny-all", Assert.Single(egressDeny.IngressDeniedBy).Name);
        Assert.Equal("deny-all", Assert.Single(flow.EgressDeniedBy).Name);
        Assert.Empty(flow.IngressDeniedBy);
        Assert.Equal("CiliumNetworkPolicy", flow.EgressDeniedBy[0].Kind);
    }

    [Fact]
    public void DnsResponse_Refused_SummarizesRcode()
    {
        var dns = new FlowPeer("10.244.0.53", 53, FlowBuilder.NewEndpoint(9, 4000, "kube-system", "coredns"));

        var flow = FlowBuilder.DnsResponse(DeathStarFlows.TiefighterPeer, dns, TrafficDirection.Egress, Verdict.Forwarded, "evil.com.", ["A"], 5, [], 0, TimeSpan.Zero);

        Assert.Equal("DNS Answer RCode: Query Refused TTL: 0 (Proxy evil.com. A)", flow.Summary);
        Assert.Equal("10.244.0.53", flow.IP.Source);
        Assert.True(flow.IsReply);
        Assert.NotNull(flow.L4.UDP);
    }

    [Fact]
    public async Task HubbleStatus_QueryAsync_FormatsCiliumStatusLine()
    {
        await using var hubble = await TestHubble.StartAsync(ringCapacity: 4095);
        hubble.PublishAll(DeathStarFlows.All());

        var line = await HubbleStatus.QueryAsync("unix://" + hubble.SocketPath);
        var down = await HubbleStatus.QueryAsync("unix:///nonexistent/hubble.sock");

        Assert.Equal("Ok   Current/Max Flows: 6/4095 (0.15%), Flows/s: 0.00", line);
        Assert.StartsWith("Unavailable: ", down);
    }
}
