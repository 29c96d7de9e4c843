using CiliumL7.Agent.Configuration;

namespace CiliumL7.Agent.Tests.Unit;

/// <summary><c>--config-dir</c>: a ConfigMap mounted as files, one per flag.</summary>
public sealed class ConfigDirectoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cl7-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string name, string value) => File.WriteAllText(Path.Combine(_dir, name), value);

    [Fact]
    public void Parse_ConfigMapLayout_ReadsEachFileAsItsFlag()
    {
        // The kubelet's layout: the files are links into a ..data directory; hidden entries are not flags.
        var data = Directory.CreateDirectory(Path.Combine(_dir, "..2026_12_03_15_00_00.1"));
        File.WriteAllText(Path.Combine(data.FullName, "pod-cidr"), "10.244.9.0/24\n");
        File.CreateSymbolicLink(Path.Combine(_dir, "..data"), data.FullName);
        File.CreateSymbolicLink(Path.Combine(_dir, "pod-cidr"), Path.Combine(_dir, "..data", "pod-cidr"));
        Write("policy-audit-mode", "true");
        Write("hubble-listen-address", "");
        Write("agent-health-port", "9876\n");

        var o = AgentOptions.Parse(["--config-dir", _dir]);

        Assert.Equal("10.244.9.0/24", o.PodCidr);
        Assert.True(o.PolicyAuditMode);
        Assert.Null(o.HubbleListenAddress);
        Assert.Equal(9876, o.AgentHealthPort);
        Assert.Equal(_dir, o.ConfigDir);
    }

    [Fact]
    public void Parse_FlagOnCommandLineAndInDirectory_CommandLineWins()
    {
        Write("pod-cidr", "10.244.9.0/24");
        Write("node-name", "from-dir");

        var o = AgentOptions.Parse(["--pod-cidr=10.244.3.0/24", "--config-dir=" + _dir]);

        Assert.Equal(("10.244.3.0/24", "from-dir"), (o.PodCidr, o.NodeName));
    }

    [Fact]
    public void Parse_CleanupWithConfigDir_IsStillCleanup()
    {
        Write("state-dir", "/s");

        var o = AgentOptions.Parse(["cleanup", "--config-dir", _dir]);

        Assert.True(o.Cleanup);
        Assert.Equal("/s", o.StateDir);
    }

    [Fact]
    public void Parse_UnknownFileName_NamesTheDirectoryAndTheFile()
    {
        Write("pod-cdir", "10.244.9.0/24");

        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(["--config-dir", _dir]));

        Assert.Contains($"--config-dir \"{_dir}\": file \"pod-cdir\" is not a flag of ciliuml7-agent", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadValueInFile_NamesTheFileAndTheValue()
    {
        Write("pod-cidr", "10.244.9.0");

        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(["--config-dir", _dir]));

        Assert.StartsWith($"--config-dir \"{_dir}\", file \"pod-cidr\": --pod-cidr \"10.244.9.0\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingDirectory_SaysWhatToMount()
    {
        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(["--config-dir", Path.Combine(_dir, "absent")]));

        Assert.Contains("no such directory; mount the agent's ConfigMap there", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OversizedFile_IsRefused()
    {
        Write("node-name", new string('n', ConfigDirectory.MaxValueBytes + 1));

        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(["--config-dir", _dir]));

        Assert.Contains("file \"node-name\" holds", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("70000")]
    [InlineData("-1")]
    public void Parse_HealthPortOutOfRange_Refused(string port)
    {
        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(["--agent-health-port", port]));

        Assert.Contains("--agent-health-port", e.Message, StringComparison.Ordinal);
    }
}
