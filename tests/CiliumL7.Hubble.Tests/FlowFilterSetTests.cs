using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Filters;
using Google.Protobuf;

namespace CiliumL7.Hubble.Tests;

public sealed class FlowFilterSetTests
{
    /// <summary>Which of DeathStarFlows.All() (by index) one whitelist filter, given as JSON, selects.</summary>
    /// <remarks>0 xwing drop · 1 policy verdict · 2 POST request · 3 200 response · 4 PUT request (DROPPED) · 5 403 response</remarks>
    [Theory]
    [InlineData("""{"verdict":["DROPPED"]}""", new[] { 0, 4 })]
    [InlineData("""{"verdict":["DROPPED","FORWARDED"]}""", new[] { 0, 1, 2, 3, 4, 5 })]
    [InlineData("""{"source_ip":["10.244.0.30"]}""", new[] { 0 })]
    [InlineData("""{"source_ip":["10.244.0.0/28"]}""", new[] { 1, 2, 4 })]
    [InlineData("""{"destination_ip":["10.244.0.16/28"]}""", new[] { 0, 1, 2, 4 })]
    [InlineData("""{"source_pod":["xwing"]}""", new[] { 0 })]
    [InlineData("""{"source_pod":["default/"]}""", new[] { 0, 1, 2, 3, 4, 5 })]
    [InlineData("""{"source_pod":["kube-system/"]}""", new int[0])]
    [InlineData("""{"destination_pod":["default/deathstar"]}""", new[] { 0, 1, 2, 4 })]
    [InlineData("""{"source_label":["org=empire"]}""", new[] { 1, 2, 3, 4, 5 })]
    [InlineData("""{"source_label":["k8s:org=alliance"]}""", new[] { 0 })]
    [InlineData("""{"source_label":["org in (alliance)"]}""", new[] { 0 })]
    [InlineData("""{"source_label":["class!=tiefighter,org=empire"]}""", new[] { 3, 5 })]
    [InlineData("""{"source_label":["reserved:org=empire"]}""", new int[0])]
    [InlineData("""{"event_type":[{"type":1}]}""", new[] { 0 })]
    [InlineData("""{"event_type":[{"type":1,"match_sub_type":true,"sub_type":181}]}""", new int[0])]
    [InlineData("""{"event_type":[{"type":129}]}""", new[] { 2, 3, 4, 5 })]
    [InlineData("""{"event_type":[{"type":5}]}""", new[] { 1 })]
    [InlineData("""{"http_status_code":["403"]}""", new[] { 5 })]
    [InlineData("""{"http_status_code":["4+"]}""", new[] { 5 })]
    [InlineData("""{"http_status_code":["2+","40+"]}""", new[] { 3, 5 })]
    [InlineData("""{"http_method":["put"]}""", new[] { 4, 5 })]
    [InlineData("""{"http_path":["^/v1/exhaust"]}""", new[] { 4, 5 })]
    [InlineData("""{"http_path":["landing$"]}""", new[] { 2, 3 })]
    [InlineData("""{"protocol":["http"]}""", new[] { 2, 3, 4, 5 })]
    [InlineData("""{"protocol":["TCP"]}""", new[] { 0, 1, 2, 3, 4, 5 })]
    [InlineData("""{"protocol":["udp","dns"]}""", new int[0])]
    [InlineData("""{"destination_port":["80"]}""", new[] { 0, 1, 2, 4 })]
    [InlineData("""{"source_port":["80"]}""", new[] { 3, 5 })]
    [InlineData("""{"source_identity":[31337]}""", new[] { 0 })]
    [InlineData("""{"destination_identity":[6822]}""", new[] { 0, 1, 2, 4 })]
    [InlineData("""{"traffic_direction":["EGRESS"]}""", new int[0])]
    [InlineData("""{"drop_reason_desc":["POLICY_DENIED"]}""", new[] { 0 })]
    [InlineData("""{"reply":[true]}""", new[] { 3, 5 })]
    [InlineData("""{"verdict":["DROPPED"],"protocol":["http"]}""", new[] { 4 })]
    [InlineData("""{"source_pod":["default/tiefighter"],"http_status_code":["403"]}""", new int[0])]
    [InlineData("""{"destination_pod":["default/tiefighter"],"http_status_code":["403"]}""", new[] { 5 })]
    public void Matches_SingleWhitelistFilter_SelectsExpectedFlows(string filterJson, int[] expected)
    {
        var filter = JsonParser.Default.Parse<FlowFilter>(filterJson);
        var set = FlowFilterSet.Compile([filter], null);

        var selected = DeathStarFlows.All().Select((f, i) => (f, i)).Where(x => set.Matches(x.f)).Select(x => x.i);

        Assert.Equal(expected, selected);
    }

    /// <summary>The newer FlowFilter fields (hubble observe --http-header, --workload, --cluster, --node-label, --interface, --snat-ip, --trace-id, --ip-trace-id, --encrypted/--unencrypted).</summary>
    /// <remarks>0: request with headers, workload, cluster, node labels, interface, trace ids, SNAT address; 1: the same flow with none of those set.</remarks>
    [Theory]
    [InlineData("""{"http_header":[{"key":"X-Fleet","value":"empire"}]}""", new[] { 0 })]
    [InlineData("""{"http_header":[{"key":"x-fleet","value":"empire"}]}""", new[] { 0 })]
    [InlineData("""{"http_header":[{"key":"X-Fleet","value":"Empire"}]}""", new int[0])]
    [InlineData("""{"http_header":[{"key":"X-Other","value":"empire"},{"key":"X-Fleet","value":"empire"}]}""", new[] { 0 })]
    [InlineData("""{"source_workload":[{"name":"tiefighter"}]}""", new[] { 0 })]
    [InlineData("""{"source_workload":[{"kind":"Deployment","name":"tiefighter"}]}""", new[] { 0 })]
    [InlineData("""{"source_workload":[{"kind":"DaemonSet"}]}""", new int[0])]
    [InlineData("""{"destination_workload":[{"kind":"Deployment"}]}""", new[] { 0 })]
    [InlineData("""{"source_cluster_name":["default"]}""", new[] { 0 })]
    [InlineData("""{"destination_cluster_name":["other"]}""", new int[0])]
    [InlineData("""{"node_labels":["kubernetes.io/hostname=node-a"]}""", new[] { 0 })]
    [InlineData("""{"node_labels":["zone in (b,c)"]}""", new int[0])]
    [InlineData("""{"interface":[{"name":"lxc1234"}]}""", new[] { 0 })]
    [InlineData("""{"interface":[{"index":7}]}""", new int[0])]
    [InlineData("""{"source_ip_xlated":["192.0.2.0/24"]}""", new[] { 0 })]
    [InlineData("""{"trace_id":["4bf92f3577b34da6a3ce929d0e0e4736"]}""", new[] { 0 })]
    [InlineData("""{"ip_trace_id":["42"]}""", new[] { 0 })]
    [InlineData("""{"ip_trace_id":["43"]}""", new int[0])]
    [InlineData("""{"encrypted":[false]}""", new[] { 1 })]
    [InlineData("""{"encrypted":[true]}""", new[] { 0 })]
    public void Matches_NewerFilterFields_SelectExpectedFlows(string filterJson, int[] expected)
    {
        var full = DeathStarFlows.ExhaustPortRequest();
        var bare = full.Clone();
        full.L7.Http.Headers.Add(new HTTPHeader { Key = "X-Fleet", Value = "empire" });
        full.Source.Workloads.Add(new Workload { Kind = "Deployment", Name = "tiefighter" });
        full.Destination.Workloads.Add(new Workload { Kind = "Deployment", Name = "deathstar" });
        full.Source.ClusterName = "default";
        full.Destination.ClusterName = "default";
        full.NodeLabels.Add("kubernetes.io/hostname=node-a");
        full.NodeLabels.Add("zone=a");
        full.Interface = new NetworkInterface { Index = 12, Name = "lxc1234" };
        full.IP.SourceXlated = "192.0.2.7";
        full.IP.Encrypted = true;
        full.TraceContext = new TraceContext { Parent = new TraceParent { TraceId = "4bf92f3577b34da6a3ce929d0e0e4736" } };
        full.IpTraceId = new IPTraceID { TraceId = 42 };
        var set = FlowFilterSet.Compile([JsonParser.Default.Parse<FlowFilter>(filterJson)], null);

        var selected = new[] { full, bare }.Select((f, i) => (f, i)).Where(x => set.Matches(x.f)).Select(x => x.i);

        Assert.Equal(expected, selected);
    }

    [Fact]
    public void Matches_WhitelistOrAndBlacklistMinus_CombineLikeHubble()
    {
        var whitelist = new[] { new FlowFilter { Verdict = { Verdict.Dropped } }, new FlowFilter { HttpStatusCode = { "403" } } };
        var blacklist = new[] { new FlowFilter { SourcePod = { "default/xwing" } } };
        var set = FlowFilterSet.Compile(whitelist, blacklist);

        var selected = DeathStarFlows.All().Select((f, i) => (f, i)).Where(x => set.Matches(x.f)).Select(x => x.i);

        Assert.Equal([4, 5], selected);
    }

    [Theory]
    [InlineData("""{"source_ip":["10.244.0.300"]}""", "whitelist[0].source_ip[0]")]
    [InlineData("""{"http_status_code":["4xx"]}""", "whitelist[0].http_status_code[0]")]
    [InlineData("""{"http_path":["(unclosed"]}""", "whitelist[0].http_path[0]")]
    [InlineData("""{"protocol":["quic"]}""", "whitelist[0].protocol[0]")]
    [InlineData("""{"destination_port":["http"]}""", "whitelist[0].destination_port[0]")]
    [InlineData("""{"source_label":["app in a,b"]}""", "whitelist[0].source_label[0]")]
    public void Compile_InvalidValue_ThrowsNamingFieldAndValue(string filterJson, string field)
    {
        var filter = JsonParser.Default.Parse<FlowFilter>(filterJson);

        var e = Assert.Throws<ArgumentException>(() => FlowFilterSet.Compile([filter], null));

        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Compile_FilterWithFieldUnknownToUs_IsRejectedNotIgnored()
    {
        // A field a future hubble may add (here 41, unknown to us): ignoring it would widen the result.
        var output = new MemoryStream();
        var coded = new CodedOutputStream(output);
        coded.WriteTag(5, WireFormat.WireType.Varint);
        coded.WriteEnum((int)Verdict.Dropped);
        coded.WriteTag(41, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(ByteString.CopyFromUtf8("\n\u0004user"));
        coded.Flush();
        var filter = FlowFilter.Parser.ParseFrom(output.ToArray());

        var e = Assert.Throws<ArgumentException>(() => FlowFilterSet.Compile([filter], null));

        Assert.Contains("whitelist[0]: FlowFilter field 41 is not supported", e.Message);
    }
}
