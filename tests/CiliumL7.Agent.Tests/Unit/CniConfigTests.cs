using System.Text.Json;
using CiliumL7.Cni;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class CniConfigTests
{
    [Fact]
    public void Parse_LabelsAndSocket_ReadsThem()
    {
        var config = NetworkConfig.Parse("""
            {"cniVersion":"1.0.0","name":"ciliuml7","type":"ciliuml7-cni","agent-socket":"/run/x/agent.sock",
             "args":{"cni":{"labels":[{"key":"org","value":"empire"},{"key":"class","value":"deathstar"}]}}}
            """);

        Assert.Equal("/run/x/agent.sock", config.AgentSocket);
        Assert.Equal(["org=empire", "class=deathstar"], config.Labels);
    }

    [Fact]
    public void Parse_NoSocket_UsesDefaultAgentSocket()
    {
        Assert.Equal("/var/run/ciliuml7/agent.sock", NetworkConfig.Parse("""{"cniVersion":"0.4.0","name":"n"}""").AgentSocket);
    }

    [Theory]
    [InlineData("not json", CniException.DecodeFailure)]
    [InlineData("[]", CniException.DecodeFailure)]
    [InlineData("""{"name":"n"}""", CniException.InvalidConfig)]
    [InlineData("""{"cniVersion":"2.0.0","name":"n"}""", CniException.IncompatibleVersion)]
    [InlineData("""{"cniVersion":"1.0.0"}""", CniException.InvalidConfig)]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","args":{"cni":{"labels":[{"value":"x"}]}}}""", CniException.InvalidConfig)]
    public void Parse_BadConfig_ThrowsWithCniCode(string json, int code)
    {
        Assert.Equal(code, Assert.Throws<CniException>(() => NetworkConfig.Parse(json)).Code);
    }

    // Found by `make fuzz` (cni-config): an unsupported cniVersion was echoed whole into the error.
    [Fact]
    public void Parse_HugeUnsupportedVersion_MessageTruncated()
    {
        var version = "0." + new string('4', 50_000);

        var e = Assert.Throws<CniException>(() => NetworkConfig.Parse($$"""{"cniVersion":"{{version}}","name":"n"}"""));

        Assert.Equal(CniException.IncompatibleVersion, e.Code);
        Assert.True(e.Message.Length < 300, e.Message[..Math.Min(300, e.Message.Length)]);
        Assert.Contains("(50002 chars)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseArgs_K8sArgs_SplitsPairs()
    {
        var args = CniEnvironment.ParseArgs("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=xwing");

        Assert.Equal("default", args["K8S_POD_NAMESPACE"]);
        Assert.Equal("xwing", args["K8S_POD_NAME"]);
    }

    [Fact]
    public void Parse_AddWithoutNetns_NamesTheMissingVariables()
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = "ADD", ["CNI_IFNAME"] = "eth0" };

        var error = Assert.Throws<CniException>(() => CniEnvironment.Parse(k => env.GetValueOrDefault(k)));

        Assert.Equal(CniException.InvalidEnvironment, error.Code);
        Assert.Contains("CNI_CONTAINERID", error.Message, StringComparison.Ordinal);
        Assert.Contains("CNI_NETNS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Version_PrintsSupportedVersions()
    {
        var output = new StringWriter();

        var code = CniPlugin.Run(k => k == "CNI_COMMAND" ? "VERSION" : null, new StringReader(""), output);

        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(0, code);
        Assert.Contains("1.0.0", doc.RootElement.GetProperty("supportedVersions").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Run_AgentNotRunning_PrintsTryAgainLaterErrorJson()
    {
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = "ADD", ["CNI_CONTAINERID"] = "c1", ["CNI_NETNS"] = "/proc/self/ns/net", ["CNI_IFNAME"] = "eth0",
        };
        var socket = Path.Combine(Path.GetTempPath(), "no-agent-" + Guid.NewGuid().ToString("N") + ".sock");
        var output = new StringWriter();

        var code = CniPlugin.Run(k => env.GetValueOrDefault(k), new StringReader($$"""{"cniVersion":"1.0.0","name":"n","agent-socket":"{{socket}}"}"""), output);

        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(1, code);
        Assert.Equal("1.0.0", doc.RootElement.GetProperty("cniVersion").GetString());
        Assert.Equal(CniException.TryAgainLater, doc.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("agent", doc.RootElement.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Contains(socket, doc.RootElement.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MissingNetns_PrintsContainerUnknownError()
    {
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = "ADD", ["CNI_CONTAINERID"] = "c1", ["CNI_NETNS"] = "/var/run/netns/does-not-exist-" + Guid.NewGuid().ToString("N"), ["CNI_IFNAME"] = "eth0",
        };
        var output = new StringWriter();

        var code = CniPlugin.Run(k => env.GetValueOrDefault(k), new StringReader("""{"cniVersion":"1.0.0","name":"n"}"""), output);

        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(1, code);
        Assert.Equal(CniException.ContainerUnknown, doc.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("does-not-exist", doc.RootElement.GetProperty("msg").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HostInterfaceName_AnyContainerId_FitsIfnamsiz()
    {
        var name = PodNetwork.HostInterfaceName(new string('f', 64));

        Assert.StartsWith("lxc", name, StringComparison.Ordinal);
        Assert.True(name.Length <= 15);
        Assert.NotEqual(name, PodNetwork.HostInterfaceName("other"));
    }
}
