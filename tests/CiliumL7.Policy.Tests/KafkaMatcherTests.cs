using CiliumL7.Policy.Api;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Tests;

public sealed class KafkaMatcherTests
{
    private static KafkaRuleSet Set(params PortRuleKafka[] rules) =>
        new([.. rules.Select(r => KafkaRule.FromSpec(r, "ns/kafka"))], "ns/kafka");

    [Theory]
    // role produce → produce (0), metadata (3), apiversions (18)
    [InlineData("produce", (short)0, true)]
    [InlineData("produce", (short)3, true)]
    [InlineData("produce", (short)18, true)]
    [InlineData("produce", (short)1, false)]
    // role consume → fetch, offsets, metadata, offsetcommit, offsetfetch, findcoordinator, joingroup, heartbeat, leavegroup, syncgroup, apiversions
    [InlineData("consume", (short)1, true)]
    [InlineData("consume", (short)2, true)]
    [InlineData("consume", (short)12, true)]
    [InlineData("consume", (short)14, true)]
    [InlineData("consume", (short)0, false)]
    [InlineData("consume", (short)19, false)]
    public void Judge_Role_ExpandsToItsApiKeys(string role, short apiKey, bool expected)
    {
        Assert.Equal(expected, Set(new PortRuleKafka { Role = role, Topic = "t" }).Judge(apiKey, 0, null, ["t"]).Allowed);
    }

    [Theory]
    [InlineData(new[] { "allowed" }, true)]
    [InlineData(new[] { "allowed", "also-allowed" }, true)]
    [InlineData(new[] { "allowed", "secret" }, false)]
    [InlineData(new[] { "secret" }, false)]
    public void Judge_MultiTopicRequest_EveryTopicMustBeAllowed(string[] topics, bool expected)
    {
        var set = Set(new PortRuleKafka { Role = "produce", Topic = "allowed" }, new PortRuleKafka { Role = "produce", Topic = "also-allowed" });
        Assert.Equal(expected, set.Judge(0, 7, "c", topics).Allowed);
    }

    [Theory]
    [InlineData("fetch", "4", "reader", (short)1, (short)4, "reader", true)]
    [InlineData("fetch", "4", "reader", (short)1, (short)5, "reader", false)]
    [InlineData("fetch", "4", "reader", (short)1, (short)4, "writer", false)]
    [InlineData("fetch", null, null, (short)1, (short)11, null, true)]
    [InlineData("1", null, null, (short)1, (short)0, null, true)]
    [InlineData("fetch", null, null, (short)0, (short)0, null, false)]
    public void Judge_ApiKeyVersionClientId_MustMatch(string apiKey, string? version, string? clientId, short reqKey, short reqVersion, string? reqClient, bool expected)
    {
        var set = Set(new PortRuleKafka { ApiKey = apiKey, ApiVersion = version, ClientId = clientId });
        Assert.Equal(expected, set.Judge(reqKey, reqVersion, reqClient, ["any-topic"]).Allowed);
    }

    [Fact]
    public void Judge_RequestWithoutTopics_NeedsAMatchingKey()
    {
        var set = Set(new PortRuleKafka { Role = "produce", Topic = "t" });
        Assert.True(set.Judge(18, 3, null, []).Allowed);
        Assert.False(set.Judge(11, 3, null, []).Allowed);
    }
}
