using System.CommandLine;
using System.Text.Json;
using CiliumL7.Cli;

namespace CiliumL7.Hubble.Tests;

/// <summary>Runs `ciliuml7 observe` in-process against a real Hubble server.</summary>
public sealed class ObserveCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> ObserveAsync(params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(ObserveCommand.Create());
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(["observe", .. args]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Observe_VerdictDropped_PrintsTheTutorialsDropsCompact()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());

        var (exit, output, error) = await ObserveAsync("--server", "unix://" + hubble.SocketPath, "--verdict", "DROPPED");

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error);
        Assert.Equal(
            "Apr  5 21:03:15.919: default/xwing:51200 (ID:31337) <> default/deathstar-b4b8ccfb5-f75xw:80 (ID:6822) Policy denied DROPPED (TCP Flags: SYN)\n"
            + "Apr  5 21:03:15.959: default/tiefighter:44396 (ID:25698) -> default/deathstar-b4b8ccfb5-f75xw:80 (ID:6822) http-request DROPPED (HTTP/1.1 PUT http://deathstar.default.svc.cluster.local/v1/exhaust-port)\n",
            output);
    }

    [Fact]
    public async Task Observe_HttpStatusJson_SelectsExactlyThe403Response()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());

        var (exit, output, _) = await ObserveAsync("--server", "127.0.0.1:" + hubble.Server.TcpPort, "--http-status", "403", "-o", "json");

        Assert.Equal(0, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(line);
        var flow = doc.RootElement.GetProperty("flow");
        Assert.Equal(403, flow.GetProperty("l7").GetProperty("http").GetProperty("code").GetInt32());
        Assert.Equal("RESPONSE", flow.GetProperty("l7").GetProperty("type").GetString());
        Assert.Equal("node-test", doc.RootElement.GetProperty("node_name").GetString());
    }

    [Fact]
    public async Task Observe_TableAndDict_PrintHeadersAndBlocks()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var server = "unix://" + hubble.SocketPath;

        var table = await ObserveAsync("--server", server, "-t", "drop", "-o", "table");
        var dict = await ObserveAsync("--server", server, "--type", "policy-verdict", "-o", "dict");

        var tableLines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, tableLines.Length);
        Assert.StartsWith("TIMESTAMP ", tableLines[0]);
        Assert.Contains("Policy denied   DROPPED   TCP Flags: SYN", tableLines[1]);
        Assert.Contains("       TYPE: policy-verdict:L3-L4 INGRESS\n    VERDICT: ALLOWED\n", dict.Out);
    }

    [Fact]
    public async Task Observe_PodAndNot_BuildsHubbleFilters()
    {
        var (exit, output, _) = await ObserveAsync("--print-raw-filters", "--pod", "default/deathstar", "--not", "--http-method", "POST", "--protocol", "http");

        Assert.Equal(0, exit);
        Assert.Equal(
            "allowlist:\n"
            + "- '{ \"source_pod\": [ \"default/deathstar\" ], \"protocol\": [ \"http\" ] }'\n"
            + "- '{ \"destination_pod\": [ \"default/deathstar\" ], \"protocol\": [ \"http\" ] }'\n"
            + "denylist:\n"
            + "- '{ \"http_method\": [ \"POST\" ] }'\n",
            output);
    }

    [Fact]
    public async Task Observe_LastAndFirst_LimitTheBacklog()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.PublishAll(DeathStarFlows.All());
        var server = "unix://" + hubble.SocketPath;

        var last = await ObserveAsync("--server", server, "--last", "1");
        var first = await ObserveAsync("--server", server, "--first", "1");
        var all = await ObserveAsync("--server", server, "--since", "2026-04-05T21:03:15.940Z", "--until", "2026-04-05T21:03:15.960Z");

        Assert.Contains("http-response FORWARDED (HTTP/1.1 403", Assert.Single(last.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Contains("Policy denied DROPPED", Assert.Single(first.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(2, all.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Observe_Follow_PrintsNewFlowsUntilCancelled()
    {
        await using var hubble = await TestHubble.StartAsync();
        hubble.Server.Publish(DeathStarFlows.XwingDrop());
        var root = new RootCommand("test");
        root.Subcommands.Add(ObserveCommand.Create());
        using var output = new SyncWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var run = root.Parse(["observe", "--server", "unix://" + hubble.SocketPath, "-f", "--last", "1", "--http-method", "PUT", "--not", "--verdict", "FORWARDED"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = TextWriter.Null }, cts.Token);
        hubble.Server.Publish(DeathStarFlows.ExhaustPortRequest(100));
        await FlowExporterTests.WaitForAsync(() => output.ToString().Contains("http-request DROPPED", StringComparison.Ordinal));
        await cts.CancelAsync();
        var exit = await run;

        Assert.Equal(0, exit);
        Assert.DoesNotContain("xwing", output.ToString());
    }

    [Fact]
    public async Task Observe_NoServer_FailsWithClearMessage()
    {
        var (exit, _, error) = await ObserveAsync("--server", "unix:///nonexistent/ciliuml7/hubble.sock");

        Assert.Equal(1, exit);
        Assert.Contains("cannot reach Hubble at unix:///nonexistent/ciliuml7/hubble.sock", error);
    }

    [Fact]
    public async Task Observe_BadFlagValue_FailsNamingIt()
    {
        var (exit, _, error) = await ObserveAsync("--print-raw-filters", "--verdict", "DENIED");

        Assert.Equal(1, exit);
        Assert.Contains("invalid --verdict value: DENIED", error);
    }

    /// <summary>A StringWriter safe to read while the command writes from another thread.</summary>
    private sealed class SyncWriter : StringWriter
    {
        private readonly Lock _lock = new();

        public override void Write(char value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_lock)
            {
                base.Write(value);
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return base.ToString();
            }
        }
    }
}
