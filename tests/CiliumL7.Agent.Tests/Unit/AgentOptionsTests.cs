using CiliumL7.Agent.Configuration;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class AgentOptionsTests
{
    [Fact]
    public void Parse_NoArgs_UsesProductDefaults()
    {
        var o = AgentOptions.Parse([]);

        Assert.Equal("/var/run/ciliuml7", o.StateDir);
        Assert.Equal("/var/run/ciliuml7/agent.sock", o.SocketPath);
        Assert.Equal("/sys/fs/bpf/ciliuml7", o.BpfRoot);
        Assert.Equal("/etc/ciliuml7/policies", o.PolicyDir);
        Assert.Equal("10.244.0.0/24", o.PodCidr);
        Assert.False(o.Cleanup);
    }

    [Fact]
    public void Parse_CleanupWithPaths_SetsEverything()
    {
        var o = AgentOptions.Parse(["cleanup", "--state-dir", "/s", "--bpf-root=/b", "--policy-dir", "/p", "--pod-cidr", "10.244.7.0/24", "--node-name", "n1"]);

        Assert.True(o.Cleanup);
        Assert.Equal(("/s", "/b", "/p", "10.244.7.0/24", "n1"), (o.StateDir, o.BpfRoot, o.PolicyDir, o.PodCidr, o.NodeName));
    }

    [Theory]
    [InlineData("--pod-cidr", "10.244.0.0", "--pod-cidr")]
    [InlineData("--pod-cidr", "fd00::/64", "IPv4")]
    [InlineData("--bogus", "x", "unknown argument")]
    [InlineData("--proxy-ports", "20-10", "--proxy-ports")]
    [InlineData("--hubble-flow-buffer-size", "4096", "--hubble-flow-buffer-size \"4096\" must be a power of two minus one")]
    [InlineData("--hubble-flow-buffer-size", "0", "--hubble-flow-buffer-size \"0\"")]
    [InlineData("--hubble-flow-buffer-size", "many", "--hubble-flow-buffer-size \"many\"")]
    [InlineData("--hubble-listen-address", "localhost", "--hubble-listen-address \"localhost\" is not ADDR:PORT")]
    [InlineData("--hubble-listen-address", "127.0.0.1:70000", "--hubble-listen-address \"127.0.0.1:70000\"")]
    [InlineData("--hubble-metrics-server", "9962", "--hubble-metrics-server \"9962\" is not ADDR:PORT")]
    [InlineData("--hubble-export-file-max-size-mb", "0", "--hubble-export-file-max-size-mb \"0\" is not a whole number >= 1")]
    [InlineData("--hubble-export-file-max-backups", "-1", "--hubble-export-file-max-backups \"-1\"")]
    [InlineData("--hubble-export-allowlist", "{\"verdict\":", "--hubble-export-allowlist")]
    [InlineData("--hubble-export-denylist", "{\"no_such_field\":[\"x\"]}", "--hubble-export-denylist")]
    [InlineData("--hubble-export-allowlist", "[1]", "FlowFilter objects")]
    [InlineData("--hubble-export-allowlist", "\"DROPPED\"", "not a FlowFilter JSON object")]
    public void Parse_BadInput_ThrowsClearMessage(string flag, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => AgentOptions.Parse([flag, value]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoHubbleFlags_KeepsLoopbackListenersAndNoExport()
    {
        var o = AgentOptions.Parse([]);

        Assert.Equal("127.0.0.1:4244", o.HubbleListenAddress?.ToString());
        Assert.Equal("127.0.0.1:9962", o.HubbleMetricsServer?.ToString());
        Assert.Equal(4095, o.HubbleFlowBufferSize);
        Assert.Null(o.HubbleExportFilePath);
        Assert.Equal((10, 5), (o.HubbleExportFileMaxSizeMb, o.HubbleExportFileMaxBackups));
        Assert.False(o.ProxyRedactHeaderValues);
        Assert.False(o.DisableFlows);
    }

    [Fact]
    public void Parse_HubbleFlags_SetsEveryValue()
    {
        var o = AgentOptions.Parse([
            "--hubble-listen-address", ":4244", "--hubble-metrics-server=", "--hubble-flow-buffer-size", "65535",
            "--hubble-export-file-path", "/tmp/x/events.log", "--hubble-export-file-max-size-mb", "3", "--hubble-export-file-max-backups=0",
            "--hubble-export-allowlist", """[{"verdict":["DROPPED"]},{"source_pod":["default/tiefighter"],"http_status_code":["403"]}]""",
            "--hubble-export-denylist", """{"destinationPod":["kube-system/"]}""",
            "--proxy-redact-header-values", "--disable-flows"]);

        Assert.Equal("0.0.0.0:4244", o.HubbleListenAddress?.ToString());
        Assert.Null(o.HubbleMetricsServer);
        Assert.Equal(65535, o.HubbleFlowBufferSize);
        Assert.Equal(("/tmp/x/events.log", 3, 0), (o.HubbleExportFilePath, o.HubbleExportFileMaxSizeMb, o.HubbleExportFileMaxBackups));
        Assert.Equal(2, o.HubbleExportAllowList.Count);
        Assert.Equal(Hubble.Api.Verdict.Dropped, Assert.Single(o.HubbleExportAllowList[0].Verdict));
        Assert.Equal(("default/tiefighter", "403"), (Assert.Single(o.HubbleExportAllowList[1].SourcePod), Assert.Single(o.HubbleExportAllowList[1].HttpStatusCode)));
        Assert.Equal("kube-system/", Assert.Single(Assert.Single(o.HubbleExportDenyList).DestinationPod));
        Assert.True(o.ProxyRedactHeaderValues);
        Assert.True(o.DisableFlows);
    }

    [Fact]
    public void Parse_EmptyListenAddress_DisablesTcp()
    {
        var o = AgentOptions.Parse(["--hubble-listen-address", ""]);

        Assert.Null(o.HubbleListenAddress);
    }

    [Theory]
    [InlineData(new string[0], true, true)]
    [InlineData(new[] { "--proxy-http1-fast-path=false" }, false, true)]
    [InlineData(new[] { "--proxy-inline-completions=false", "--proxy-http1-fast-path" }, true, false)]
    public void Parse_ProxyFastPathFlags_DefaultOnAndSwitchable(string[] args, bool fastPath, bool inlineCompletions)
    {
        var o = AgentOptions.Parse(args);

        Assert.Equal((fastPath, inlineCompletions), (o.ProxyHttp1FastPath, o.ProxyInlineCompletions));
    }

    [Theory]
    [InlineData(new string[0], 0)]
    [InlineData(new[] { "--proxy-io-slice-us", "100" }, 100)]
    [InlineData(new[] { "--proxy-io-slice-us=250" }, 250)]
    public void Parse_ProxyIoSlice_DefaultAndSet(string[] args, int micros)
    {
        Assert.Equal(micros, AgentOptions.Parse(args).ProxyIoSliceMicroseconds);
    }

    [Fact]
    public void Parse_ProxyIoSliceNotANumber_NamesFlagAndRange()
    {
        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(["--proxy-io-slice-us", "-5"]));
        Assert.Contains("--proxy-io-slice-us \"-5\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("between 0 and 100000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ProxyFastPathNotABool_Refused()
    {
        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(["--proxy-http1-fast-path=maybe"]));

        Assert.Contains("--proxy-http1-fast-path \"maybe\" is not true or false", e.Message, StringComparison.Ordinal);
    }
}
