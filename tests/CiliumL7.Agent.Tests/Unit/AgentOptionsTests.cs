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
    public void Parse_BadInput_ThrowsClearMessage(string flag, string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => AgentOptions.Parse([flag, value]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
