using System.Net;
using System.Net.Sockets;
using CiliumL7.Agent.Configuration;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Endpoints;
using CiliumL7.Agent.Ipam;
using CiliumL7.Agent.L7;
using CiliumL7.Agent.Observability;
using CiliumL7.Agent.Policies;
using CiliumL7.Agent.Regeneration;
using CiliumL7.Hubble.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class HubbleWiringTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ciliuml7-hubwire-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task StartAsync_MetricsPortTaken_KeepsObserverTcpAndSocketWithoutMetrics()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var options = AgentOptions.Parse([
            "--state-dir", _dir, "--hubble-listen-address", "127.0.0.1:" + FreePort(), "--hubble-metrics-server", "127.0.0.1:" + taken,
            "--hubble-flow-buffer-size", "1023"]);

        await using var hubble = await Start(options);

        Assert.NotNull(hubble.TcpPort);
        Assert.Null(hubble.MetricsPort);
        Assert.True(File.Exists(Path.Combine(_dir, "hubble.sock")));
        Assert.Equal(1023, hubble.Ring.Capacity);
    }

    [Fact]
    public async Task StartAsync_ExportAndMetricsFlags_ServeMetricsAndCreateExportDirectory()
    {
        var export = Path.Combine(_dir, "hubble", "events.log");
        var options = AgentOptions.Parse(["--state-dir", _dir, "--hubble-listen-address", "", "--hubble-metrics-server", "127.0.0.1:" + FreePort(), "--hubble-export-file-path", export]);

        await using var hubble = await Start(options);
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{hubble.MetricsPort}/metrics"));

        Assert.Null(hubble.TcpPort);
        Assert.NotNull(hubble.Exporter);
        Assert.True(Directory.Exists(Path.GetDirectoryName(export)));
        Assert.Contains("hubble_flows_ring_capacity 4095\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ExportPathUnderAFile_ThrowsConfigurationErrorNamingTheFlag()
    {
        var file = Path.Combine(_dir, "plain-file");
        await File.WriteAllTextAsync(file, "x");
        var options = AgentOptions.Parse(["--state-dir", _dir, "--hubble-listen-address", "", "--hubble-metrics-server", "", "--hubble-export-file-path", Path.Combine(file, "events.log")]);

        var error = await Assert.ThrowsAsync<AgentConfigurationException>(() => Start(options));

        Assert.StartsWith($"--hubble-export-file-path \"{Path.Combine(file, "events.log")}\" cannot be written", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AgentMetricsSource_RejectedImportAndNoProxy_CountsErrorAndZeroProxyRequests()
    {
        var policies = new PolicyStore(AgentComponents.CreateValidator(), Path.Combine(_dir, "policies.json"));
        var registry = new MetricsRegistry();
        registry.AddSource(new AgentMetricsSource(new EndpointManager(_dir, Ipv4Cidr.Parse("10.244.0.0/24")), policies, new NoProxy("test")));
        var revision = policies.Revision;

        var (_, errors, _) = policies.Import("kind: CiliumNetworkPolicy\nmetadata: {name: x}\nspec: {endpointSelector: 7}\n", "bad.yaml");
        var text = registry.Render();

        Assert.NotEmpty(errors);
        Assert.Contains("cilium_policy_import_errors_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"cilium_policy_max_revision {revision}\n", text, StringComparison.Ordinal);
        Assert.Contains("cilium_policy_l7_total{rule=\"denied\",proxy_type=\"http\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("cilium_proxy_redirects{protocol=\"http\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("cilium_endpoint_count 0\n", text, StringComparison.Ordinal);
    }

    private async Task<Hubble.Server.HubbleServer> Start(AgentOptions options) =>
        await HubbleWiring.StartAsync(options, new EndpointManager(_dir, Ipv4Cidr.Parse("10.244.0.0/24")), new AgentFlowSink(), new NullDatapath(_dir, "test"), new PolicyCookieNames(), NullLoggerFactory.Instance);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
