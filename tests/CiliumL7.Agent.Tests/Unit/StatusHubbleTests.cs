using CiliumL7.Cli;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class StatusHubbleTests
{
    [Fact]
    public async Task QueryHubbleAsync_NoHubbleSocket_ReportsUnavailableWithTheSocket()
    {
        var dir = Directory.CreateTempSubdirectory("ciliuml7-status-test-").FullName;
        try
        {
            var hubble = await StatusCommand.QueryHubbleAsync(Path.Combine(dir, "agent.sock"), CancellationToken.None);

            Assert.Equal("Unavailable", hubble.State);
            Assert.Equal("unix://" + Path.Combine(dir, "hubble.sock"), hubble.Server);
            Assert.Contains(Path.Combine(dir, "hubble.sock"), hubble.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("Ok", null, "Hubble:                  Ok   Current/Max Flows: 12/4095 (0.29%), Flows/s: 1.50")]
    [InlineData("Unavailable", "connection refused", "Hubble:                  Unavailable   connection refused")]
    public void Print_HubbleState_PrintsTheHubbleLine(string state, string? message, string expected)
    {
        var status = new StatusModel
        {
            Agent = new AgentStatusModel { State = "Ok", Version = "v", NodeName = "n", PodCidr = "10.244.0.0/24", StateDir = "/s", PolicyDir = "/p" },
            Datapath = new DatapathStatusModel { State = "Ok", BpfRoot = "/b" },
            Proxy = new ProxyStatusModel { State = "Ok" },
            Hubble = new HubbleStatusModel { State = state, Message = message, NumFlows = 12, MaxFlows = 4095, FlowsRate = 1.5 },
        };
        using var text = new StringWriter();

        StatusCommand.Print(status, text);

        Assert.Contains(expected + Environment.NewLine, text.ToString(), StringComparison.Ordinal);
    }
}
