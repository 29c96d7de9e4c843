using CiliumL7.Cli;
using CiliumL7.Client;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class CliParsingTests
{
    [Theory]
    [InlineData(new[] { "-H", "unix:///x.sock", "status", "--wait" }, new[] { "status", "-H", "unix:///x.sock", "--wait" })]
    [InlineData(new[] { "--host=unix:///x.sock", "endpoint", "list" }, new[] { "endpoint", "--host=unix:///x.sock", "list" })]
    [InlineData(new[] { "status", "-H", "unix:///x.sock" }, new[] { "status", "-H", "unix:///x.sock" })]
    [InlineData(new[] { "-H", "unix:///run/a/agent.sock", "observe", "--last", "5" }, new[] { "observe", "--server", "unix:///run/a/hubble.sock", "--last", "5" })]
    [InlineData(new[] { "-H", "unix:///run/a/agent.sock", "observe", "--server", "x" }, new[] { "observe", "--server", "x" })]
    public void HoistGlobalHost_LeadingHost_MovesAfterCommand(string[] input, string[] expected)
    {
        Assert.Equal(expected, AgentConnection.HoistGlobalHost(input));
    }

    [Fact]
    public void ParseLabels_List_SplitsPairs()
    {
        var labels = EndpointCommands.ParseLabels("org=empire, class=deathstar,flag");

        Assert.Equal([new("org", "empire"), new("class", "deathstar"), new("flag", "")], labels);
    }

    [Theory]
    [InlineData("unix:///tmp/a.sock", "/tmp/a.sock")]
    [InlineData("/tmp/b.sock", "/tmp/b.sock")]
    public void ResolveSocketPath_HostValue_GivesSocketPath(string host, string expected)
    {
        Assert.Equal(expected, AgentClient.ResolveSocketPath(host));
    }

    [Fact]
    public void ResolveSocketPath_TcpAddress_Rejected()
    {
        Assert.Throws<ArgumentException>(() => AgentClient.ResolveSocketPath("tcp://1.2.3.4:80"));
    }
}
