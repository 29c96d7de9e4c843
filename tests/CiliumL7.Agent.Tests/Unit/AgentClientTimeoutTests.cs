using System.Net.Sockets;
using CiliumL7.Client;

namespace CiliumL7.Agent.Tests.Unit;

/// <summary>A hung agent (its socket accepts, nothing answers) gives a typed error naming the request, never a bare cancellation.</summary>
public sealed class AgentClientTimeoutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ciliuml7-client-").FullName;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public AgentClientTimeoutTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(8);
    }

    private string SocketPath => Path.Combine(_dir, "agent.sock");

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task GetStatus_AgentNeverAnswers_ThrowsAgentTimeoutNamingRequest()
    {
        using var client = new AgentClient(SocketPath, TimeSpan.FromMilliseconds(300));

        var e = await Assert.ThrowsAsync<AgentTimeoutException>(() => client.GetStatusAsync());

        Assert.Equal("GET /v1/status", e.Request);
        Assert.Contains("unix://" + SocketPath + " did not answer GET /v1/status within 0.3s", e.Message, StringComparison.Ordinal);
        Assert.Contains("ciliuml7 status", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForPolicyApplied_AgentNeverAnswers_ReturnsNotApplied()
    {
        using var client = new AgentClient(SocketPath, Timeout.InfiniteTimeSpan);

        var wait = await client.WaitForPolicyAppliedAsync(5, TimeSpan.FromMilliseconds(300));

        Assert.False(wait.Applied);
        Assert.Null(wait.Error);
    }
}
