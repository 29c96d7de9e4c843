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

    [Fact]
    public async Task PolicyImporter_AgentNeverAnswers_ExitsThreeNamingFileTimeoutAndWhatToDo()
    {
        var file = Path.Combine(_dir, "big.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: big\n");
        using var client = new AgentClient(SocketPath, Timeout.InfiniteTimeSpan);
        var output = new StringWriter();
        var error = new StringWriter();
        var importer = new CiliumL7.Cli.PolicyImporter(client, TimeSpan.FromMilliseconds(300), wait: true, "unix://" + SocketPath, output, error);

        var exit = await importer.ImportAsync(file, CancellationToken.None);

        Assert.Equal(CiliumL7.Cli.PolicyImporter.ExitTimedOut, exit);
        Assert.Equal("", output.ToString());
        var text = error.ToString();
        Assert.Contains(file + ": the agent at unix://" + SocketPath + " did not answer the import within 0.3s", text, StringComparison.Ordinal);
        Assert.Contains("--wait-timeout 1.2s", text, StringComparison.Ordinal);
        Assert.Contains("ciliuml7 policy get -H unix://" + SocketPath, text, StringComparison.Ordinal);
    }
}
