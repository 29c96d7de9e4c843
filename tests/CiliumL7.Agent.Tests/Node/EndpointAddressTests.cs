using System.Text.Json;
using System.Text.Json.Nodes;
using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>
/// One address, one endpoint, on every path: the proxy identifies a sender by its source address, so two
/// endpoints with one address once let a denied pod borrow another pod's HTTP rules.
/// </summary>
public sealed class EndpointAddressTests
{
    private readonly ITestOutputHelper _output;

    public EndpointAddressTests(ITestOutputHelper output) => _output = output;

    private static string EndpointBody(string containerId, string name, string ip, TestPod like) => new JsonObject
    {
        ["containerId"] = containerId,
        ["name"] = name,
        ["namespace"] = "default",
        ["labels"] = new JsonArray("k8s:app=thief"),
        ["ipv4"] = ip,
        ["hostInterface"] = like.Endpoint.HostInterface,
        ["ifindex"] = like.Endpoint.Ifindex,
        ["netns"] = like.NetnsPath,
        ["podInterface"] = "eth0",
    }.ToJsonString();

    [SkippableFact]
    public async Task PutEndpoint_IpOfAnotherEndpoint_409NamingTheOwner()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var a = node.CreatePod("owner", "app=owner");

        var r = RestCall.Send(node.Socket, "PUT", "/v1/endpoint/container-id:thief1", "application/json", EndpointBody("thief1", "thief", a.Ip, a));

        Assert.Equal(409, r.Status);
        Assert.Contains($"ipv4 {a.Ip} is in use by endpoint {a.Endpoint.Id} (pod default/owner", r.Body, StringComparison.Ordinal);
        var endpoints = await node.Client.ListEndpointsAsync();
        Assert.Single(endpoints, e => e.Ipv4 == a.Ip);
    }

    [SkippableFact]
    public async Task DeleteIpam_IpInUse_409AndCniAddGetsAnotherAddress()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var a = node.CreatePod("first", "app=first");

        var r = RestCall.Send(node.Socket, "DELETE", "/v1/ipam/" + a.Ip, null, null);
        var b = node.CreatePod("second", "app=second"); // the CNI plugin: ADD allocates, then creates the endpoint

        Assert.Equal(409, r.Status);
        Assert.Contains($"{a.Ip} is in use by endpoint {a.Endpoint.Id}", r.Body, StringComparison.Ordinal);
        Assert.NotEqual(a.Ip, b.Ip);
        Assert.Contains((await node.Client.GetIpamAsync()).Allocations, x => x.Ipv4 == a.Ip);
    }

    [SkippableFact]
    public async Task PodSendsFromAnotherPodsIp_DatapathDropsInvalidSip()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var server = node.CreatePod("server", "app=server");
        var owner = node.CreatePod("owner", "app=owner");
        var thief = node.CreatePod("thief", "app=thief");
        node.Serve(server, 80);
        Cmd.Check("ip", "-n", thief.NetnsName, "addr", "add", owner.Ip + "/32", "dev", "eth0");

        var honest = AgentNode.Curl(thief, $"http://{server.Ip}/", 5);
        var spoofed = AgentNode.Curl(thief, $"http://{server.Ip}/", 2, "--interface", owner.Ip);

        Assert.True(honest.ExitCode == 0, honest.All);
        Assert.NotEqual(0, spoofed.ExitCode);
        Assert.True(await AgentNode.EventuallyAsync(async () => (await node.Client.GetDropsAsync()).Any(d => d.Reason == 132)), "no INVALID_SIP drop");
    }

    [SkippableFact]
    public async Task Restore_TwoSavedEndpointsWithOneIp_LaterOneReportedAndNotRestored()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var a = node.CreatePod("keep", "app=keep");
        node.KillAgent();
        var path = Path.Combine(node.StateDir, "endpoints.json");
        var saved = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsArray();
        var twin = saved[0]!.DeepClone();
        twin["id"] = a.Endpoint.Id + 100;
        twin["name"] = "twin";
        twin["containerId"] = "twin-container";
        saved.Add(twin);
        await File.WriteAllTextAsync(path, saved.ToJsonString());

        await node.StartAgentAsync();
        var endpoints = await node.Client.ListEndpointsAsync();

        var only = Assert.Single(endpoints, e => e.Ipv4 == a.Ip);
        Assert.Equal("keep", only.Name);
        Assert.Contains($"endpoint {a.Endpoint.Id + 100} (pod default/twin, container twin-container) not restored: ipv4 {a.Ip} belongs to endpoint {a.Endpoint.Id}", node.AgentLog, StringComparison.Ordinal);
        Assert.DoesNotContain("twin", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }
}
