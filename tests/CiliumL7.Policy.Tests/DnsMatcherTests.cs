using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Tests;

public sealed class DnsMatcherTests
{
    [Theory]
    // matchName: exact, case-insensitive, trailing dot optional on both sides
    [InlineData("cilium.io", null, "cilium.io", true)]
    [InlineData("cilium.io", null, "CILIUM.IO.", true)]
    [InlineData("cilium.io.", null, "cilium.io", true)]
    [InlineData("cilium.io", null, "www.cilium.io", false)]
    [InlineData("cilium.io", null, "ciliumXio", false)]
    // "*" alone (or "*.", "**") matches every name
    [InlineData(null, "*", "anything.example.com", true)]
    [InlineData(null, "*.", "a.b", true)]
    [InlineData(null, "**", "a.b.c", true)]
    // a leading "*." matches exactly one label, never the apex
    [InlineData(null, "*.cilium.io", "www.cilium.io", true)]
    [InlineData(null, "*.cilium.io", "cilium.io", false)]
    [InlineData(null, "*.cilium.io", "a.b.cilium.io", false)]
    [InlineData(null, "*.cilium.io", "WWW.Cilium.IO.", true)]
    // any other "*" is [-a-zA-Z0-9_]* inside one label
    [InlineData(null, "*cilium.io", "cilium.io", true)]
    [InlineData(null, "*cilium.io", "sub-cilium.io", true)]
    [InlineData(null, "*cilium.io", "www.cilium.io", false)]
    [InlineData(null, "api-*.example.com", "api-v2.example.com", true)]
    [InlineData(null, "api-*.example.com", "api-.example.com", true)]
    [InlineData(null, "api-*.example.com", "api-v2.x.example.com", false)]
    // a leading "**." matches one or more whole labels but not the apex
    [InlineData(null, "**.cilium.io", "www.cilium.io", true)]
    [InlineData(null, "**.cilium.io", "a.b.c.cilium.io", true)]
    [InlineData(null, "**.cilium.io", "cilium.io", false)]
    [InlineData(null, "**.cilium.io", "evilcilium.io", false)]
    // the dot is literal
    [InlineData("a.b", null, "aXb", false)]
    [InlineData(null, "a.*", "aXb", false)]
    public void Matches_NamesAndPatterns_FollowCiliumSemantics(string? name, string? pattern, string query, bool expected)
    {
        Assert.Equal(expected, new DnsRule(name, pattern, "ns/p").Matches(query));
    }

    [Fact]
    public void Judge_NoRuleMatches_IsRefusedWithDecider()
    {
        var set = new DnsRuleSet([new DnsRule("cilium.io", null, "ns/p"), new DnsRule(null, "*.github.com", "ns/q")], "ns/p");
        Assert.Equal(new L7Verdict(true, "ns/q"), set.Judge("api.github.com."));
        Assert.Equal(new L7Verdict(false, "ns/p"), set.Judge("evil.com"));
        Assert.True(DnsRuleSet.AllowAll.Judge("evil.com").Allowed);
    }
}
