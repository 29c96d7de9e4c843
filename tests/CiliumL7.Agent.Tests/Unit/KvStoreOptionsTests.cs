using CiliumL7.Agent.Configuration;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class KvStoreOptionsTests
{
    [Fact]
    public void Parse_KvStoreFlags_SetEverything()
    {
        var o = AgentOptions.Parse(["--kvstore", "etcd", "--kvstore-opt", "etcd.address=172.31.0.254:2379", "--cluster-name", "demo", "--cluster-id", "7", "--ipv4-node", "172.31.0.1", "--kvstore-lease-ttl", "30s", "--identity-gc-interval", "0"]);

        Assert.Equal("etcd", o.KvStore);
        Assert.Equal(new Uri("http://172.31.0.254:2379"), o.KvStoreAddress);
        Assert.Equal(("demo", 7, "172.31.0.1"), (o.ClusterName, o.ClusterId, o.NodeIpv4!.ToString()));
        Assert.Equal(TimeSpan.FromSeconds(30), o.KvStoreLeaseTtl);
        Assert.Equal(TimeSpan.Zero, o.IdentityGcInterval);
    }

    [Fact]
    public void Parse_NoKvStore_StandaloneWithCiliumsDefaults()
    {
        var o = AgentOptions.Parse([]);

        Assert.Null(o.KvStore);
        Assert.Equal(("default", 0), (o.ClusterName, o.ClusterId));
        Assert.Equal(TimeSpan.FromMinutes(15), o.KvStoreLeaseTtl);
    }

    [Theory]
    [InlineData(new[] { "--kvstore", "etcd" }, "--kvstore etcd needs --kvstore-opt etcd.address=")]
    [InlineData(new[] { "--kvstore", "consul" }, "--kvstore \"consul\" is not supported")]
    [InlineData(new[] { "--kvstore-opt", "etcd.config=/x" }, "unknown option \"etcd.config\"")]
    [InlineData(new[] { "--kvstore-opt", "etcd.address=https://h:2379" }, "plain http")]
    [InlineData(new[] { "--cluster-id", "256" }, "--cluster-id \"256\" is not a whole number between 0 and 255")]
    [InlineData(new[] { "--cluster-name", "Bad_Name" }, "--cluster-name \"Bad_Name\"")]
    [InlineData(new[] { "--kvstore-lease-ttl", "0" }, "--kvstore-lease-ttl \"0\" must be more than 0")]
    [InlineData(new[] { "--kvstore-lease-ttl", "soon" }, "is not a duration")]
    [InlineData(new[] { "--ipv4-node", "fd00::1" }, "--ipv4-node \"fd00::1\" is not an IPv4 address")]
    [InlineData(new[] { "--node-name", "a/b" }, "must not be empty or contain '/'")]
    public void Parse_BadKvStoreFlag_NamesFlagAndValue(string[] args, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => AgentOptions.Parse(args));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
