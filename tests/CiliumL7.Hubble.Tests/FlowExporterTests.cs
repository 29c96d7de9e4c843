using System.Text.Json;
using CiliumL7.Hubble.Api;
using CiliumL7.Hubble.Export;

namespace CiliumL7.Hubble.Tests;

public sealed class FlowExporterTests
{
    [Fact]
    public async Task Export_PublishedFlows_AppendsOneJsonLinePerFlow()
    {
        await using var hubble = await TestHubble.StartAsync(exportIn: dir => new FlowExportOptions { FilePath = Path.Combine(dir, "export", "flows.json") });
        var flows = DeathStarFlows.All();
        hubble.PublishAll(flows);

        await WaitForAsync(() => hubble.Server.Exporter!.ExportedFlows == flows.Length);
        await hubble.Server.StopAsync();

        var lines = File.ReadAllLines(Path.Combine(hubble.Directory, "export", "flows.json"));
        Assert.Equal(flows.Length, lines.Length);
        // Compact like hubble's output; spaces inside strings survive.
        Assert.StartsWith("{\"flow\":{", lines[0]);
        Assert.Contains("\"verdict\":\"DROPPED\"", lines[0]);
        Assert.Contains("\"Summary\":\"TCP Flags: SYN\"", lines[0]);
        Assert.EndsWith("\"node_name\":\"node-test\",\"time\":\"2026-04-05T21:03:15.919Z\"}", lines[0]);
        using var drop = JsonDocument.Parse(lines[0]);
        Assert.Equal("node-test", drop.RootElement.GetProperty("node_name").GetString());
        Assert.Equal("2026-04-05T21:03:15.919Z", drop.RootElement.GetProperty("time").GetString());
        Assert.Equal("POLICY_DENIED", drop.RootElement.GetProperty("flow").GetProperty("drop_reason_desc").GetString());
        using var response = JsonDocument.Parse(lines[5]);
        var http = response.RootElement.GetProperty("flow").GetProperty("l7").GetProperty("http");
        Assert.Equal(403, http.GetProperty("code").GetInt32());
        Assert.True(response.RootElement.GetProperty("flow").GetProperty("is_reply").GetBoolean());
    }

    [Fact]
    public async Task Export_AllowAndDenyFilters_WriteOnlySelectedFlows()
    {
        await using var hubble = await TestHubble.StartAsync(exportIn: dir => new FlowExportOptions
        {
            FilePath = Path.Combine(dir, "flows.json"),
            AllowList = [new FlowFilter { Verdict = { Verdict.Dropped } }, new FlowFilter { HttpStatusCode = { "403" } }],
            DenyList = [new FlowFilter { SourcePod = { "default/xwing" } }],
        });
        hubble.PublishAll(DeathStarFlows.All());

        await WaitForAsync(() => hubble.Server.Exporter!.Position == hubble.Server.Ring.SeenFlows);
        await hubble.Server.StopAsync();

        var lines = File.ReadAllLines(Path.Combine(hubble.Directory, "flows.json"));
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"method\":\"PUT\"", lines[0]);
        Assert.Contains("\"code\":403", lines[1]);
    }

    [Fact]
    public async Task Export_FileGrowsPastMaxSize_RotatesKeepingMaxBackups()
    {
        await using var hubble = await TestHubble.StartAsync(exportIn: dir => new FlowExportOptions
        {
            FilePath = Path.Combine(dir, "flows.json"),
            MaxSizeBytes = 2048,
            MaxBackups = 2,
        });
        var path = Path.Combine(hubble.Directory, "flows.json");
        const int total = 60;
        for (var i = 0; i < total; i++)
        {
            hubble.Server.Publish(DeathStarFlows.ExhaustPortRequest(i));
        }

        await WaitForAsync(() => hubble.Server.Exporter!.ExportedFlows == total);
        await hubble.Server.StopAsync();

        Assert.True(File.Exists(path + ".1"));
        Assert.True(File.Exists(path + ".2"));
        Assert.False(File.Exists(path + ".3"));
        foreach (var file in new[] { path, path + ".1", path + ".2" })
        {
            Assert.InRange(new FileInfo(file).Length, 1, 2048);
            Assert.All(File.ReadAllLines(file), line => JsonDocument.Parse(line).Dispose());
        }
        // The newest flow is in the live file, and the backups hold the flows just before it, in order.
        var times = new[] { path + ".2", path + ".1", path }
            .SelectMany(File.ReadAllLines)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("time").GetString())
            .ToList();
        Assert.Equal(times.Order(StringComparer.Ordinal), times);
        Assert.Equal(DeathStarFlows.T0.AddMilliseconds(total - 1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), times[^1]);
    }

    [Fact]
    public async Task Export_FallsBehindSmallRing_WritesLostEventsLine()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cl7-export-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        try
        {
            var ring = new Ring.FlowRing(3);
            var path = Path.Combine(dir, "flows.json");
            await using (var exporter = new FlowExporter(new FlowExportOptions { FilePath = path }, ring, "node-x"))
            {
                // 10 flows into a 3-flow ring before the exporter starts at sequence 0: 7 are gone.
                for (var i = 0; i < 10; i++)
                {
                    ring.Publish(DeathStarFlows.XwingDrop(i));
                }
                exporter.Start(0);
                await WaitForAsync(() => exporter.Position == ring.SeenFlows);
                Assert.Equal(3, exporter.ExportedFlows);
                Assert.Equal(7, exporter.LostFlows);
            }
            var lines = File.ReadAllLines(path);
            var lost = lines.Where(l => l.Contains("lost_events", StringComparison.Ordinal)).Sum(l =>
                long.Parse(JsonDocument.Parse(l).RootElement.GetProperty("lost_events").GetProperty("num_events_lost").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(7, lost);
            Assert.Equal(3, lines.Count(l => l.Contains("\"flow\"", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 20 s");
            await Task.Delay(20);
        }
    }
}
