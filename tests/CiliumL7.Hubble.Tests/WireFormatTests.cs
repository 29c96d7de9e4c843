using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CiliumL7.Hubble.Tests;

/// <summary>
/// Decodes our serialized messages by hand, so a wrong field number in a
/// .proto file fails here no matter what the generated code believes.
/// Numbers are those of Hubble's flow.proto / observer.proto.
/// </summary>
public sealed class WireFormatTests
{
    [Fact]
    public void Flow_L7DeniedRequest_UsesHubbleFieldNumbers()
    {
        var flow = DeathStarFlows.ExhaustPortRequest();
        flow.NodeName = "node-1";
        flow.Uuid = "5f0c0a9e-1111-2222-3333-444455556666";
        flow.ProxyPort = 15001;
        flow.DropReasonDesc = DropReason.PolicyDeny;
        flow.EgressAllowedBy.Add(new Api.Policy { Name = "egress-allow", Namespace = "default", Kind = "CiliumNetworkPolicy", Revision = 7 });
        flow.PolicyLog.Add("deny-log");

        var fields = Decode(flow.ToByteArray());

        Assert.Equal(2ul, fields.Varint(2)); // verdict = DROPPED
        Assert.Equal(2ul, fields.Varint(10)); // Type = L7
        Assert.Equal(1ul, fields.Varint(22)); // traffic_direction = INGRESS
        Assert.Equal(181ul, fields.Varint(25)); // drop_reason_desc = POLICY_DENY
        Assert.Equal(15001ul, fields.Varint(29)); // proxy_port
        Assert.Equal("node-1", fields.String(11)); // node_name
        Assert.Equal(flow.Uuid, fields.String(34)); // uuid
        Assert.Equal("deny-log", fields.String(21006)); // policy_log

        var isReply = Decode(fields.Bytes(26)); // is_reply (BoolValue) present and false → empty message
        Assert.Empty(isReply.All);

        var time = Decode(fields.Bytes(1)); // time (Timestamp: seconds=1, nanos=2)
        Assert.Equal((ulong)DeathStarFlows.T0.ToUnixTimeSeconds(), time.Varint(1));
        Assert.Equal(919_000_000ul, time.Varint(2));

        var ip = Decode(fields.Bytes(5)); // IP
        Assert.Equal("10.244.0.10", ip.String(1));
        Assert.Equal("10.244.0.20", ip.String(2));
        Assert.Equal(1ul, ip.Varint(3)); // ipVersion = IPv4

        var l4 = Decode(fields.Bytes(6)); // l4
        var tcp = Decode(l4.Bytes(1)); // TCP = 1
        Assert.Equal(44396ul, tcp.Varint(1));
        Assert.Equal(80ul, tcp.Varint(2));

        var source = Decode(fields.Bytes(8)); // source endpoint
        Assert.Equal(1011ul, source.Varint(1)); // ID
        Assert.Equal(25698ul, source.Varint(2)); // identity
        Assert.Equal("default", source.String(3)); // namespace
        Assert.Contains("k8s:class=tiefighter", source.Strings(4)); // labels
        Assert.Equal("tiefighter", source.String(5)); // pod_name
        var destination = Decode(fields.Bytes(9));
        Assert.Equal(6822ul, destination.Varint(2));

        var eventType = Decode(fields.Bytes(19)); // event_type {type=1}
        Assert.Equal(129ul, eventType.Varint(1));

        var l7 = Decode(fields.Bytes(15)); // l7
        Assert.Equal(1ul, l7.Varint(1)); // type = REQUEST
        var http = Decode(l7.Bytes(101)); // http = 101
        Assert.Equal("PUT", http.String(2)); // method
        Assert.Equal(DeathStarFlows.Url, http.String(3)); // url
        Assert.Equal("HTTP/1.1", http.String(4)); // protocol

        var allowedBy = Decode(fields.Bytes(21001)); // egress_allowed_by
        Assert.Equal("egress-allow", allowedBy.String(1)); // name
        Assert.Equal("default", allowedBy.String(2)); // namespace
        Assert.Equal(7ul, allowedBy.Varint(4)); // revision
        Assert.Equal("CiliumNetworkPolicy", allowedBy.String(5)); // kind
        var deniedBy = Decode(fields.Bytes(21005)); // ingress_denied_by
        Assert.Equal("rule1", deniedBy.String(1));
    }

    [Fact]
    public void Flow_ResponseAndL4Drop_UseHubbleFieldNumbers()
    {
        var response = Decode(DeathStarFlows.ExhaustPort403().ToByteArray());
        var isReply = Decode(response.Bytes(26));
        Assert.Equal(1ul, isReply.Varint(1)); // BoolValue.value = true
        var l7 = Decode(response.Bytes(15));
        Assert.Equal(2ul, l7.Varint(1)); // RESPONSE
        Assert.Equal(1_500_000ul, l7.Varint(2)); // latency_ns
        Assert.Equal(403ul, Decode(l7.Bytes(101)).Varint(1)); // http.code

        var drop = Decode(DeathStarFlows.XwingDrop().ToByteArray());
        Assert.Equal(2ul, drop.Varint(2)); // DROPPED
        Assert.Equal(1ul, drop.Varint(10)); // L3_L4
        Assert.Equal(133ul, drop.Varint(25)); // POLICY_DENIED
        Assert.Equal(133ul, drop.Varint(3)); // deprecated drop_reason
        Assert.False(drop.Has(26)); // is_reply unknown
        var eventType = Decode(drop.Bytes(19));
        Assert.Equal(1ul, eventType.Varint(1)); // drop
        Assert.Equal(133ul, eventType.Varint(2)); // sub_type = reason
        var flags = Decode(Decode(Decode(drop.Bytes(6)).Bytes(1)).Bytes(3)); // l4.TCP.flags
        Assert.Equal(1ul, flags.Varint(2)); // SYN = 2
        Assert.Equal("TCP Flags: SYN", drop.String(100000)); // Summary
    }

    [Fact]
    public void GetFlowsRequestAndResponse_UseObserverFieldNumbers()
    {
        var request = new GetFlowsRequest { Number = 20, Follow = true, First = true, Since = Timestamp.FromDateTimeOffset(DeathStarFlows.T0), Until = Timestamp.FromDateTimeOffset(DeathStarFlows.T0) };
        request.Whitelist.Add(new FlowFilter { Verdict = { Verdict.Dropped }, HttpStatusCode = { "403" }, SourcePod = { "default/xwing" }, TrafficDirection = { TrafficDirection.Ingress }, DropReasonDesc = { DropReason.PolicyDenied } });
        request.Blacklist.Add(new FlowFilter { DestinationIdentity = { 6822 }, HttpMethod = { "GET" }, HttpPath = { "/v1/.*" } });

        var r = Decode(request.ToByteArray());
        Assert.Equal(20ul, r.Varint(1)); // number
        Assert.Equal(1ul, r.Varint(3)); // follow
        Assert.Equal(1ul, r.Varint(9)); // first
        Assert.True(r.Has(7)); // since
        Assert.True(r.Has(8)); // until
        var white = Decode(r.Bytes(6)); // whitelist
        Assert.Equal("default/xwing", white.String(2)); // source_pod
        Assert.Equal([2ul], Packed(white.Bytes(5))); // verdict (packed) = DROPPED
        Assert.Equal("403", white.String(9)); // http_status_code
        Assert.Equal([1ul], Packed(white.Bytes(30))); // traffic_direction (packed)
        Assert.Equal([133ul], Packed(white.Bytes(33))); // drop_reason_desc (packed)
        var black = Decode(r.Bytes(5)); // blacklist
        Assert.Equal([6822ul], Packed(black.Bytes(20))); // destination_identity (packed)
        Assert.Equal("GET", black.String(21)); // http_method
        Assert.Equal("/v1/.*", black.String(22)); // http_path

        var response = new GetFlowsResponse { Flow = DeathStarFlows.XwingDrop(), NodeName = "node-1", Time = Timestamp.FromDateTimeOffset(DeathStarFlows.T0) };
        var rr = Decode(response.ToByteArray());
        Assert.True(rr.Has(1)); // flow
        Assert.Equal("node-1", rr.String(1000)); // node_name
        Assert.True(rr.Has(1001)); // time
        var lost = Decode(new GetFlowsResponse { LostEvents = new LostEvent { Source = LostEventSource.HubbleRingBuffer, NumEventsLost = 9 } }.ToByteArray());
        var lostEvent = Decode(lost.Bytes(3)); // lost_events
        Assert.Equal(3ul, lostEvent.Varint(1)); // HUBBLE_RING_BUFFER
        Assert.Equal(9ul, lostEvent.Varint(2));
    }

    [Fact]
    public void ServerStatusResponse_UsesObserverFieldNumbers()
    {
        var status = new ServerStatusResponse { NumFlows = 1, MaxFlows = 2, SeenFlows = 3, UptimeNs = 4, NumConnectedNodes = 5, NumUnavailableNodes = 6, Version = "v", FlowsRate = 0.5 };
        status.UnavailableNodes.Add("n7");

        var s = Decode(status.ToByteArray());

        Assert.Equal(1ul, s.Varint(1));
        Assert.Equal(2ul, s.Varint(2));
        Assert.Equal(3ul, s.Varint(3));
        Assert.Equal(4ul, s.Varint(4));
        Assert.Equal(5ul, Decode(s.Bytes(5)).Varint(1));
        Assert.Equal(6ul, Decode(s.Bytes(6)).Varint(1));
        Assert.Equal("n7", s.String(7));
        Assert.Equal("v", s.String(8));
        Assert.Equal(0.5, BitConverter.Int64BitsToDouble((long)s.Fixed64(9)));
    }

    private static Fields Decode(ByteString bytes) => Decode(bytes.ToByteArray());

    /// <summary>A packed repeated scalar: varints back to back, no tags.</summary>
    private static List<ulong> Packed(ByteString bytes)
    {
        var values = new List<ulong>();
        var input = new CodedInputStream(bytes.ToByteArray());
        while (!input.IsAtEnd)
        {
            values.Add(input.ReadUInt64());
        }
        return values;
    }

    private static Fields Decode(byte[] bytes)
    {
        var fields = new Fields();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            object value = WireFormat.GetTagWireType(tag) switch
            {
                WireFormat.WireType.Varint => input.ReadUInt64(),
                WireFormat.WireType.LengthDelimited => input.ReadBytes(),
                WireFormat.WireType.Fixed64 => input.ReadFixed64(),
                WireFormat.WireType.Fixed32 => (ulong)input.ReadFixed32(),
                var other => throw new InvalidOperationException($"unexpected wire type {other} for field {number}"),
            };
            fields.All.Add((number, value));
        }
        return fields;
    }

    private sealed class Fields
    {
        public List<(int Number, object Value)> All { get; } = [];

        public bool Has(int number) => All.Any(f => f.Number == number);

        public ulong Varint(int number) => (ulong)Single(number);

        public ulong Fixed64(int number) => (ulong)Single(number);

        public ByteString Bytes(int number) => (ByteString)Single(number);

        public string String(int number) => Bytes(number).ToStringUtf8();

        public List<string> Strings(int number) => [.. All.Where(f => f.Number == number).Select(f => ((ByteString)f.Value).ToStringUtf8())];

        private object Single(int number)
        {
            var matches = All.Where(f => f.Number == number).ToList();
            Assert.True(matches.Count == 1, $"expected field {number} once, found it {matches.Count} times; fields present: {string.Join(",", All.Select(f => f.Number))}");
            return matches[0].Value;
        }
    }
}
