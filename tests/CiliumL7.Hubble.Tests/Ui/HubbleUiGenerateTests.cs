using System.Net;
using System.Text.Json.Nodes;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Flows;
using CiliumL7.Hubble.Ui;
using CiliumL7.Policy.Api;

namespace CiliumL7.Hubble.Tests.Ui;

/// <summary>
/// The Hubble UI's "generate policy" at the HTTP API level (no browser): a real Observer
/// (<see cref="TestHubble"/>) holding the Death Star's flows under an audited policy, the
/// real UI server, and HttpClient.
/// </summary>
public sealed class HubbleUiGenerateTests
{
    private static Flow[] AuditedWorld()
    {
        var t = DeathStarFlows.T0;
        var put = FlowBuilder.HttpRequest(DeathStarFlows.TiefighterPeer, DeathStarFlows.DeathstarPeer, TrafficDirection.Ingress, Verdict.Audit, "PUT",
            DeathStarFlows.Url, time: t.AddMilliseconds(40));
        put = FlowBuilder.AddAuditOutcome(FlowBuilder.AddPolicy(put, FlowBuilder.Policy("strict", "default"), denied: true), "would answer 403 Access denied");
        var xwing = FlowBuilder.PolicyVerdict(DeathStarFlows.XwingPeer, DeathStarFlows.DeathstarPeer, Verdict.Audit, TrafficDirection.Ingress,
            PolicyMatchType.None, DropReason.PolicyDenied, time: t.AddMilliseconds(50));
        return [DeathStarFlows.TiefighterAllowed(10), DeathStarFlows.LandingRequest(20), DeathStarFlows.Landing200(30), put, xwing];
    }

    private static async Task<(TestHubble Hubble, HubbleUiServer Ui, HttpClient Http)> StartAsync(Flow[] flows)
    {
        var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(flows);
        var ui = await HubbleUiServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), "unix://" + hubble.SocketPath);
        var http = new HttpClient { BaseAddress = ui.Address, Timeout = TimeSpan.FromSeconds(30) };
        return (hubble, ui, http);
    }

    [Fact]
    public async Task Generate_DeathstarWorkload_LeastPrivilegeYamlThatValidatesAndReplays()
    {
        var (hubble, ui, http) = await StartAsync(AuditedWorld());
        await using var _ = hubble;
        await using var __ = ui;
        using var ___ = http;

        var response = await http.GetAsync(new Uri("/api/generate?namespace=default&selector=k8s:class=deathstar,k8s:org=empire", UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var yaml = (string)body["yaml"]!;
        Assert.Contains("method: 'PUT'", yaml, StringComparison.Ordinal);
        Assert.Contains("path: '/v1/exhaust-port'", yaml, StringComparison.Ordinal);
        Assert.Contains("method: 'POST'", yaml, StringComparison.Ordinal);
        Assert.Contains("class: 'tiefighter'", yaml, StringComparison.Ordinal);
        Assert.Contains("class: 'xwing'", yaml, StringComparison.Ordinal);
        Assert.Equal(1, (int)body["policies"]!);
        Assert.True((bool)body["verified"]!, body.ToJsonString());
        Assert.Contains(body["verify"]!.AsArray(), l => ((string)l!).Contains("observed flow(s) ALLOWED", StringComparison.Ordinal));
        var parsed = PolicyParser.ParseText(yaml, "generated.yaml");
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
    }

    [Fact]
    public async Task Generate_NoL7_PortRulesOnly()
    {
        var (hubble, ui, http) = await StartAsync(AuditedWorld());
        await using var _ = hubble;
        await using var __ = ui;
        using var ___ = http;

        var body = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/generate?namespace=default&selector=k8s:class=deathstar&l7=false", UriKind.Relative)))!;

        Assert.DoesNotContain("method:", (string)body["yaml"]!, StringComparison.Ordinal);
        Assert.Contains("port: \"80\"", (string)body["yaml"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/generate", HttpStatusCode.BadRequest, "selector")]
    [InlineData("/api/generate?selector=class", HttpStatusCode.BadRequest, "\"class\" is not key=value")]
    [InlineData("/api/generate?selector=class=deathstar&l7=maybe", HttpStatusCode.BadRequest, "l7")]
    [InlineData("/api/generate?namespace=default&selector=class=tie-interceptor", HttpStatusCode.NotFound, "no flow from or to default/class=tie-interceptor")]
    public async Task Generate_BadOrUnknownWorkload_ErrorSaysWhy(string url, HttpStatusCode status, string says)
    {
        var (hubble, ui, http) = await StartAsync(AuditedWorld());
        await using var _ = hubble;
        await using var __ = ui;
        using var ___ = http;

        var response = await http.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(status, response.StatusCode);
        var error = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Contains(says, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flows_EventStream_CarriesTheObserversAuditFlows()
    {
        var (hubble, ui, http) = await StartAsync(AuditedWorld());
        await using var _ = hubble;
        await using var __ = ui;
        using var ___ = http;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        using var response = await http.GetAsync(new Uri("/api/flows", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var audits = 0;
        for (var i = 0; i < 100 && audits < 2 && await reader.ReadLineAsync(cts.Token) is { } line; i++)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && JsonNode.Parse(line[6..])!["flow"]!["verdict"]!.GetValue<string>() == "AUDIT")
            {
                audits++;
            }
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(2, audits);
    }

    [Fact]
    public async Task Page_OffersGeneratePolicyAndStylesAuditedEdges()
    {
        var (hubble, ui, http) = await StartAsync([]);
        await using var _ = hubble;
        await using var __ = ui;
        using var ___ = http;

        var page = await http.GetStringAsync(new Uri("/", UriKind.Relative));
        var script = await http.GetStringAsync(new Uri("/app.js", UriKind.Relative));
        var css = await http.GetStringAsync(new Uri("/app.css", UriKind.Relative));

        Assert.Contains("id=\"gen-policy\"", page, StringComparison.Ordinal);
        Assert.Contains("class=\"l audited\"", page, StringComparison.Ordinal);
        Assert.Contains("/api/generate?", script, StringComparison.Ordinal);
        Assert.Contains("f.verdict === \"AUDIT\"", script, StringComparison.Ordinal);
        Assert.Contains("camelKeys(raw)", script, StringComparison.Ordinal); // the feed has proto field names
        Assert.Contains(".edge.audited line", css, StringComparison.Ordinal);
        Assert.Contains("[hidden] { display: none !important; }", css, StringComparison.Ordinal);
    }
}
