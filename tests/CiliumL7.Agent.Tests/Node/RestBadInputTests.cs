using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>Bad input on the REST API is a 4xx with a message naming the field (it was a 500 with an empty body).</summary>
public sealed class RestBadInputTests
{
    private readonly ITestOutputHelper _output;

    public RestBadInputTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task RestApi_BadBodies_4xxNamingTheProblem()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var cases = new (string Method, string Path, string? Type, string? Body, int Status, string Message)[]
        {
            ("PUT", "/v1/endpoint/container-id:c1", "application/json", "{\"containerId\": ", 400, "invalid JSON at $.containerId"),
            ("PUT", "/v1/endpoint/container-id:c1", "text/plain", "{}", 415, "text/plain\\\" is not JSON; send \\\"Content-Type: application/json\\\""),
            ("PUT", "/v1/endpoint/container-id:c1", null, "{}", 415, "Content-Type is missing"),
            ("PUT", "/v1/endpoint/container-id:c1", "application/json", "{\"containerId\":\"c1\"}", 400, "missing required properties"),
            ("PUT", "/v1/endpoint/container-id:c1", "application/json", "{\"containerId\":\"c1\",\"name\":\"n\",\"namespace\":\"d\",\"labels\":[],\"ipv4\":\"10.244.0.9\",\"hostInterface\":\"x\",\"ifindex\":\"seven\",\"netns\":\"/x\",\"podInterface\":\"eth0\"}", 400, "invalid JSON at $.ifindex"),
            ("PUT", "/v1/endpoint/container-id:c1", "application/json", "null", 400, "the body is JSON null"),
            ("PUT", "/v1/endpoint/container-id:c1", "application/json", new string('[', 10_000) + new string(']', 10_000), 400, "invalid JSON"),
            ("POST", "/v1/ipam", "application/json", "[1]", 400, "invalid JSON at $"),
            ("POST", "/v1/ipam", "application/json", "{\"owner\": 5}", 400, "invalid JSON at $.owner"),
            ("DELETE", "/v1/ipam/not-an-ip", null, null, 400, "not-an-ip\\\" is not an IP address"),
        };
        foreach (var c in cases)
        {
            var r = RestCall.Send(node.Socket, c.Method, c.Path, c.Type, c.Body);
            Assert.True(c.Status == r.Status, $"{c.Method} {c.Path} {c.Body?[..Math.Min(40, c.Body.Length)]}: {r.Status} {r.Body}");
            Assert.Contains(c.Message, r.Body, StringComparison.Ordinal);
        }
        Assert.True(await node.Client.HealthzAsync());
    }
}
