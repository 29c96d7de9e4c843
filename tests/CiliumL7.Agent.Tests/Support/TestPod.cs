using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>A pod of a <see cref="AgentNode"/>: its network namespace and endpoint.</summary>
internal sealed record TestPod(string Name, string NetnsName, EndpointModel Endpoint)
{
    public string NetnsPath => "/var/run/netns/" + NetnsName;

    public string Ip => Endpoint.Ipv4!;
}
