using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Client;
using Google.Protobuf;

namespace CiliumL7.Hubble.Tests;

/// <summary>The CLI's flags → FlowFilters, compared with what hubble's CLI sends.</summary>
public sealed class FlowFilterBuilderTests
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    private static string[] Render(IEnumerable<FlowFilter> filters) => [.. filters.Select(f => Json.Format(f))];

    [Fact]
    public void Add_RepeatedFlag_OrsValuesInOneFilter()
    {
        var b = new FlowFilterBuilder();
        b.Add("verdict", "DROPPED");
        b.Add("verdict", "AUDIT");

        Assert.Equal(["""{ "verdict": [ "DROPPED", "AUDIT" ] }"""], Render(b.Whitelist));
    }

    [Theory]
    [InlineData("http-header", "X-Fleet:empire", """{ "http_header": [ { "key": "X-Fleet", "value": "empire" } ] }""")]
    [InlineData("http-header", "X-Time:12:30", """{ "http_header": [ { "key": "X-Time", "value": "12:30" } ] }""")]
    [InlineData("node-label", "zone=a", """{ "node_labels": [ "zone=a" ] }""")]
    [InlineData("from-workload", "Deployment/deathstar", """{ "source_workload": [ { "name": "deathstar", "kind": "Deployment" } ] }""")]
    [InlineData("to-workload", "deathstar", """{ "destination_workload": [ { "name": "deathstar" } ] }""")]
    [InlineData("to-cluster", "default", """{ "destination_cluster_name": [ "default" ] }""")]
    [InlineData("interface", "lxc12", """{ "interface": [ { "name": "lxc12" } ] }""")]
    [InlineData("snat-ip", "192.0.2.1", """{ "source_ip_xlated": [ "192.0.2.1" ] }""")]
    [InlineData("trace-id", "abc", """{ "trace_id": [ "abc" ] }""")]
    [InlineData("ip-trace-id", "42", """{ "ip_trace_id": [ "42" ] }""")]
    public void Add_NewerFlag_FillsHubblesFilterField(string flag, string value, string expected)
    {
        var b = new FlowFilterBuilder();
        b.Add(flag, value);

        Assert.Equal([expected], Render(b.Whitelist));
    }

    [Theory]
    [InlineData("http-header", "no-colon")]
    [InlineData("http-header", ":value")]
    [InlineData("ip-trace-id", "0")]
    [InlineData("ip-trace-id", "x")]
    [InlineData("workload", "/")]
    public void Add_NewerFlagBadValue_SaysWhatItWants(string flag, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => new FlowFilterBuilder().Add(flag, value));

        Assert.Contains(value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_UndirectedWorkload_BuildsSourceAndDestinationFilters()
    {
        var b = new FlowFilterBuilder();
        b.Add("workload", "deathstar");

        Assert.Equal(
            [
                """{ "source_workload": [ { "name": "deathstar" } ] }""",
                """{ "destination_workload": [ { "name": "deathstar" } ] }""",
            ],
            Render(b.Whitelist));
    }

    [Fact]
    public void Add_UndirectedPod_BuildsSourceAndDestinationFilters()
    {
        var b = new FlowFilterBuilder();
        b.Add("pod", "default/deathstar");
        b.Add("verdict", "DROPPED");

        Assert.Equal(
            [
                """{ "source_pod": [ "default/deathstar" ], "verdict": [ "DROPPED" ] }""",
                """{ "destination_pod": [ "default/deathstar" ], "verdict": [ "DROPPED" ] }""",
            ],
            Render(b.Whitelist));
    }

    [Fact]
    public void Add_FromAndToPod_AndTogetherInOneFilter()
    {
        var b = new FlowFilterBuilder();
        b.Add("from-pod", "tiefighter");
        b.Add("to-pod", "deathstar");

        Assert.Equal(["""{ "source_pod": [ "tiefighter" ], "destination_pod": [ "deathstar" ] }"""], Render(b.Whitelist));
    }

    [Fact]
    public void Add_Namespace_QualifiesPodsOrSelectsTheNamespace()
    {
        var onlyNs = new FlowFilterBuilder();
        onlyNs.Add("namespace", "default");
        var withPod = new FlowFilterBuilder();
        withPod.Add("pod", "xwing");
        withPod.Add("namespace", "default");

        Assert.Equal(["""{ "source_pod": [ "default/" ] }""", """{ "destination_pod": [ "default/" ] }"""], Render(onlyNs.Whitelist));
        Assert.Equal(
            ["""{ "source_pod": [ "default/xwing" ] }""", """{ "destination_pod": [ "default/xwing" ] }"""],
            Render(withPod.Whitelist));
    }

    [Fact]
    public void Not_SendsOnlyTheNextFlagToTheBlacklist()
    {
        var b = new FlowFilterBuilder();
        b.Add("protocol", "http");
        b.Not();
        b.Add("http-method", "POST");
        b.Add("verdict", "DROPPED");

        Assert.Equal(["""{ "verdict": [ "DROPPED" ], "protocol": [ "http" ] }"""], Render(b.Whitelist));
        Assert.Equal(["""{ "http_method": [ "POST" ] }"""], Render(b.Blacklist));
    }

    [Fact]
    public void Add_TypeNames_BecomeEventTypeFilters()
    {
        var b = new FlowFilterBuilder();
        b.Add("type", "l7");
        b.Add("type", "drop");
        b.Add("type", "trace:to-endpoint");
        b.Add("identity", "world");

        var filters = b.Whitelist;
        Assert.Equal(2, filters.Count);
        Assert.Equal([129, 1, 4], filters[0].EventType.Select(e => e.Type));
        Assert.True(filters[0].EventType[2].MatchSubType);
        Assert.Equal(0, filters[0].EventType[2].SubType);
        Assert.Equal([2u], filters[0].SourceIdentity);
        Assert.Equal([2u], filters[1].DestinationIdentity);
    }

    [Theory]
    [InlineData("verdict", "DENIED")]
    [InlineData("type", "l8")]
    [InlineData("identity", "galaxy")]
    [InlineData("traffic-direction", "sideways")]
    [InlineData("drop-reason-desc", "BAD_LUCK")]
    public void Add_InvalidValue_Throws(string flag, string value)
        => Assert.Throws<ArgumentException>(() => new FlowFilterBuilder().Add(flag, value));

    [Fact]
    public void Add_ConflictingFlags_Throws()
    {
        var b = new FlowFilterBuilder();
        b.Add("label", "org=empire");

        var e = Assert.Throws<ArgumentException>(() => b.Add("from-label", "class=xwing"));

        Assert.Contains("--from-label and --label cannot be combined", e.Message);
    }
}
