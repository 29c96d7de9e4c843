using System.Text.Json.Nodes;
using CiliumL7.Agent.Tests.Support;

namespace CiliumL7.Agent.Tests.Unit;

/// <summary>
/// The real plugin binary on bad configurations: every failure is the CNI spec's error JSON with a code on
/// stdout and exit 1 — <c>"mtu": 1e10</c> once aborted the plugin (exit 134) with no JSON at all.
/// </summary>
public sealed class CniErrorJsonTests
{
    private static readonly Dictionary<string, string> AddEnv = new()
    {
        ["CNI_COMMAND"] = "ADD",
        ["CNI_CONTAINERID"] = "cni-error-test",
        ["CNI_NETNS"] = "/var/run/netns/cl7-does-not-exist",
        ["CNI_IFNAME"] = "eth0",
        ["CNI_PATH"] = "/opt/cni/bin",
    };

    private static (int Exit, JsonObject Error) Add(string config)
    {
        // stdin from a file: the plugin stops reading at its limit, a pipe writer would get EPIPE
        var file = Path.Combine(Path.GetTempPath(), $"cl7-cni-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, config);
            var r = Cmd.Run("sh", ["-c", "exec \"$0\" < \"$1\"", AgentNode.Bin("ciliuml7-cni"), file], TimeSpan.FromSeconds(30), null, AddEnv);
            return (r.ExitCode, JsonNode.Parse(r.Stdout)!.AsObject());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","mtu":1e10}""", 7, "mtu 1e10 is out of range")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","mtu":-5}""", 7, "mtu -5 is out of range")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","mtu":1500.5}""", 7, "mtu 1500.5 is out of range")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","mtu":"1500"}""", 7, "mtu must be a number, not a JSON string")]
    [InlineData("""{"cniVersion":"1.0.0","name":42}""", 7, "name must be a string, not a JSON number")]
    [InlineData("""{"cniVersion":1,"name":"n"}""", 7, "cniVersion must be a string")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","args":{"cni":{"labels":"a=b"}}}""", 7, "args.cni.labels must be a list")]
    [InlineData("""{"cniVersion":"1.0.0","name":"n","args":{"cni":{"labels":[{"key":"a","value":7}]}}}""", 7, "value must be a string")]
    [InlineData("{", 6, "not valid JSON")]
    public void Add_BadConfig_PrintsSpecErrorJsonWithCode(string config, int code, string message)
    {
        var (exit, error) = Add(config);

        Assert.Equal(1, exit);
        Assert.Equal(code, (int)error["code"]!);
        Assert.Contains(message, (string)error["msg"]!, StringComparison.Ordinal);
        Assert.NotNull(error["cniVersion"]);
    }

    [Fact]
    public void Add_NestedTooDeep_DecodeFailureNotCrash()
    {
        var (exit, error) = Add(new string('[', 100_000) + new string(']', 100_000));

        Assert.Equal(1, exit);
        Assert.Equal(6, (int)error["code"]!);
    }

    [Fact]
    public void Add_ConfigOverLimit_DecodeFailureNamingTheLimit()
    {
        var (exit, error) = Add("{\"cniVersion\":\"1.0.0\",\"name\":\"" + new string('n', 2 * 1024 * 1024) + "\"}");

        Assert.Equal(1, exit);
        Assert.Equal(6, (int)error["code"]!);
        Assert.Contains("larger than the limit of 1048576 bytes", (string)error["msg"]!, StringComparison.Ordinal);
    }
}
