namespace CiliumL7.Connectivity.Model;

/// <summary>One curl from <see cref="From"/> to <see cref="To"/> with its expected outcome (cilium-cli's "action").</summary>
/// <param name="Name">Scenario name, e.g. <c>pod-to-pod</c>.</param>
/// <param name="From">Where curl runs.</param>
/// <param name="To">Where it connects.</param>
/// <param name="Port">Destination port (the echo servers listen on <see cref="TestPorts.Http"/> and <see cref="TestPorts.Other"/>).</param>
/// <param name="Request">The HTTP request.</param>
/// <param name="Expect">Expected outcome and flows.</param>
public sealed record TestAction(string Name, Peer From, Peer To, int Port, HttpRequestSpec Request, Expect Expect)
{
    /// <summary>GET / on the HTTP port.</summary>
    public static TestAction Http(string name, Peer from, Peer to, Expect expect) =>
        new(name, from, to, TestPorts.Http, HttpRequestSpec.Get, expect);

    /// <summary>A request with a method, a path and optional headers on the HTTP port.</summary>
    public static TestAction Call(string name, Peer from, Peer to, string method, string path, Expect expect, params string[] headers) =>
        new(name, from, to, TestPorts.Http, new HttpRequestSpec(method, path, headers), expect);
}
