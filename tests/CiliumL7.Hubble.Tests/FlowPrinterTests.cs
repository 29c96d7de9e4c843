using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using CiliumL7.Hubble.Printer;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Tests;

public sealed class FlowPrinterTests
{
    private const string Deathstar = "default/deathstar-b4b8ccfb5-f75xw:80 (ID:6822)";

    [Fact]
    public void CompactLine_DeniedHttpRequest_MatchesHubbleLine()
        => Assert.Equal(
            "Apr  5 21:03:15.919: default/tiefighter:44396 (ID:25698) -> " + Deathstar
            + " http-request DROPPED (HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port)",
            FlowPrinter.CompactLine(DeathStarFlows.ExhaustPortRequest()));

    [Fact]
    public void CompactLine_403Response_FlipsSidesWithStatusAndLatency()
        => Assert.Equal(
            "Apr  5 21:03:15.969: default/tiefighter:44396 (ID:25698) <- " + Deathstar
            + " http-response FORWARDED (HTTP/1.1 403 1ms (PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port))",
            FlowPrinter.CompactLine(DeathStarFlows.ExhaustPort403(50)));

    [Fact]
    public void Write_AfterRelayNodeStatus_NamesTheNodeOfEachFlowAndReportsTheStatus()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var printer = new FlowPrinter(output, errors, OutputFormat.Compact);
        var status = new NodeStatusEvent { StateChange = NodeState.NodeUnavailable, Message = "unix:///x does not answer" };
        status.NodeNames.Add("node-2");

        printer.Write(new GetFlowsResponse { NodeStatus = status, Time = Timestamp.FromDateTimeOffset(DeathStarFlows.T0) });
        printer.Write(new GetFlowsResponse { Flow = DeathStarFlows.XwingDrop(), NodeName = "node-3" });
        printer.Flush();

        Assert.Equal("Apr  5 21:03:15.919: NODE_UNAVAILABLE: node-2 (unix:///x does not answer)\n", errors.ToString());
        Assert.Equal("Apr  5 21:03:15.919 [node-3]: default/xwing:51200 (ID:31337) <> " + Deathstar + " Policy denied DROPPED (TCP Flags: SYN)\n", output.ToString());
    }

    [Fact]
    public void CompactLine_L4PolicyDrop_ShowsReasonAndTcpFlags()
        => Assert.Equal(
            "Apr  5 21:03:15.919: default/xwing:51200 (ID:31337) <> " + Deathstar + " Policy denied DROPPED (TCP Flags: SYN)",
            FlowPrinter.CompactLine(DeathStarFlows.XwingDrop()));

    [Fact]
    public void CompactLine_DenyRuleDrop_SaysDenylist()
    {
        var flow = FlowBuilder.Drop(DeathStarFlows.XwingPeer, DeathStarFlows.DeathstarPeer, DropReason.PolicyDeny, TrafficDirection.Ingress, time: DeathStarFlows.T0);

        Assert.Contains(" Policy denied by denylist DROPPED (TCP Flags: SYN)", FlowPrinter.CompactLine(flow));
    }

    [Fact]
    public void CompactLine_PolicyVerdictAndWorldIdentity_UseHubbleWords()
    {
        var world = new FlowPeer("1.1.1.1", 443, FlowBuilder.ReservedEndpoint(2));
        var flow = FlowBuilder.PolicyVerdict(DeathStarFlows.TiefighterPeer, world, Verdict.Dropped, TrafficDirection.Egress, PolicyMatchType.None,
            DropReason.PolicyDenied, time: new DateTimeOffset(2026, 12, 24, 9, 5, 1, 2, TimeSpan.Zero));

        Assert.Equal(
            "Dec 24 09:05:01.002: default/tiefighter:44396 (ID:25698) -> 1.1.1.1:443 (world) policy-verdict:none EGRESS DENIED (TCP Flags: SYN)",
            FlowPrinter.CompactLine(flow));
    }

    [Fact]
    public void Write_Table_AlignsColumnsWithHeader()
    {
        using var output = new StringWriter();
        var printer = new FlowPrinter(output, TextWriter.Null, OutputFormat.Table);

        printer.Write(Response(DeathStarFlows.XwingDrop()));
        printer.Write(Response(DeathStarFlows.ExhaustPort403(50)));
        printer.Flush();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches("^TIMESTAMP +SOURCE +DESTINATION +TYPE +VERDICT +SUMMARY$", lines[0]);
        Assert.Equal(lines[0].IndexOf("SOURCE", StringComparison.Ordinal), lines[1].IndexOf("default/xwing", StringComparison.Ordinal));
        Assert.Equal(lines[0].IndexOf("VERDICT", StringComparison.Ordinal), lines[2].IndexOf("FORWARDED", StringComparison.Ordinal));
        Assert.StartsWith("Apr  5 21:03:15.969   default/deathstar-b4b8ccfb5-f75xw:80 ", lines[2]);
        Assert.EndsWith("HTTP/1.1 403 1ms (PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port)", lines[2]);
    }

    [Fact]
    public void Write_Dict_PrintsKeyValueBlocksSeparatedByDashes()
    {
        using var output = new StringWriter();
        var printer = new FlowPrinter(output, TextWriter.Null, OutputFormat.Dict);

        printer.Write(Response(DeathStarFlows.XwingDrop()));
        printer.Write(Response(DeathStarFlows.ExhaustPortRequest(40)));
        printer.Flush();

        Assert.Equal(
            "  TIMESTAMP: Apr  5 21:03:15.919\n"
            + "     SOURCE: default/xwing:51200\n"
            + "DESTINATION: default/deathstar-b4b8ccfb5-f75xw:80\n"
            + "       TYPE: Policy denied\n"
            + "    VERDICT: DROPPED\n"
            + "    SUMMARY: TCP Flags: SYN\n"
            + "------------\n"
            + "  TIMESTAMP: Apr  5 21:03:15.959\n"
            + "     SOURCE: default/tiefighter:44396\n"
            + "DESTINATION: default/deathstar-b4b8ccfb5-f75xw:80\n"
            + "       TYPE: http-request\n"
            + "    VERDICT: DROPPED\n"
            + "    SUMMARY: HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port\n",
            output.ToString());
    }

    [Fact]
    public void Write_Json_IsProtojsonWithProtoNamesAndEnumNames()
    {
        using var output = new StringWriter();
        var printer = new FlowPrinter(output, TextWriter.Null, OutputFormat.Json);

        printer.Write(Response(DeathStarFlows.XwingDrop()));

        var line = output.ToString();
        Assert.EndsWith("\n", line);
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal("node-1", root.GetProperty("node_name").GetString());
        Assert.Equal("2026-04-05T21:03:15.919Z", root.GetProperty("time").GetString());
        var flow = root.GetProperty("flow");
        Assert.Equal("DROPPED", flow.GetProperty("verdict").GetString());
        Assert.Equal("POLICY_DENIED", flow.GetProperty("drop_reason_desc").GetString());
        Assert.Equal("L3_L4", flow.GetProperty("Type").GetString());
        Assert.Equal("INGRESS", flow.GetProperty("traffic_direction").GetString());
        Assert.Equal("IPv4", flow.GetProperty("IP").GetProperty("ipVersion").GetString());
        Assert.Equal(51200, flow.GetProperty("l4").GetProperty("TCP").GetProperty("source_port").GetInt32());
        Assert.Equal("xwing", flow.GetProperty("source").GetProperty("pod_name").GetString());
        Assert.Equal(31337, flow.GetProperty("source").GetProperty("identity").GetInt32());
        Assert.Equal(1, flow.GetProperty("event_type").GetProperty("type").GetInt32());
    }

    [Fact]
    public void Write_LostEvents_GoToErrorsInCompactMode()
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var printer = new FlowPrinter(output, errors, OutputFormat.Compact);

        printer.Write(new GetFlowsResponse
        {
            LostEvents = new LostEvent { Source = LostEventSource.HubbleRingBuffer, NumEventsLost = 12 },
            NodeName = "node-1",
            Time = Timestamp.FromDateTimeOffset(DeathStarFlows.T0),
        });

        Assert.Equal(string.Empty, output.ToString());
        Assert.Equal("Apr  5 21:03:15.919 [node-1]: EVENTS LOST: HUBBLE_RING_BUFFER 12\n", errors.ToString());
    }

    private static GetFlowsResponse Response(Flow flow) => new() { Flow = flow, NodeName = "node-1", Time = flow.Time };
}
