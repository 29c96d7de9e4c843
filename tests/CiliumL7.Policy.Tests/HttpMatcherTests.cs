using CiliumL7.Policy.L7;
using CiliumL7.Policy.Tracing;

namespace CiliumL7.Policy.Tests;

public sealed class HttpMatcherTests
{
    [Theory]
    // anchoring: full match on path and method
    [InlineData(null, "/v1/request-landing", null, "POST", "/v1/request-landing", null, true)]
    [InlineData(null, "/v1/request-landing", null, "POST", "/v1/request-landing/extra", null, false)]
    [InlineData(null, "/v1/request-landing", null, "POST", "/x/v1/request-landing", null, false)]
    [InlineData(null, "/v1/.*", null, "GET", "/v1/anything/deep", null, true)]
    [InlineData(null, "/v1/a|/v1/b", null, "GET", "/v1/bx", null, false)]
    [InlineData(null, "/v1/a|/v1/b", null, "GET", "/v1/b", null, true)]
    // the query string is part of the matched target
    [InlineData(null, "/v1/search", null, "GET", "/v1/search?q=1", null, false)]
    [InlineData(null, "/v1/search\\?q=[0-9]+", null, "GET", "/v1/search?q=42", null, true)]
    [InlineData(null, "/v1/search.*", null, "GET", "/v1/search?q=1", null, true)]
    // methods are case-sensitive tokens
    [InlineData("POST", null, null, "POST", "/", null, true)]
    [InlineData("POST", null, null, "post", "/", null, false)]
    [InlineData("POST", null, null, "POSTX", "/", null, false)]
    [InlineData("GET|HEAD", null, null, "HEAD", "/", null, true)]
    // host: regex, full match, case-insensitive; a '.' is any character
    [InlineData(null, null, "foo.bar.com", "GET", "/", "FOO.bar.com", true)]
    [InlineData(null, null, "foo.bar.com", "GET", "/", "fooXbar.com", true)]
    [InlineData(null, null, "foo\\.bar\\.com", "GET", "/", "fooXbar.com", false)]
    [InlineData(null, null, "foo\\.bar\\.com", "GET", "/", "foo.bar.com:8080", true)]
    [InlineData(null, null, "foo\\.bar\\.com", "GET", "/", "foo.bar.com.", true)]
    [InlineData(null, null, "bar\\.com", "GET", "/", "foo.bar.com", false)]
    public void Matches_MethodPathHost_FullMatch(string? method, string? path, string? host, string reqMethod, string reqPath, string? reqHost, bool expected)
    {
        var rule = new HttpRule(method, path, host, null, "default/p");
        Assert.Equal(expected, rule.Matches(new TraceHttpRequest(reqMethod, reqPath, reqHost)));
    }

    [Theory]
    [InlineData("X-Fleet: empire", "x-fleet: empire", true)]
    [InlineData("X-Fleet: empire", "X-FLEET: empire", true)]
    [InlineData("X-Fleet: empire", "X-Fleet: Empire", false)]
    [InlineData("X-Fleet: empire", "X-Fleet: empire2", false)]
    [InlineData("X-Fleet", "x-fleet: anything", true)]
    [InlineData("X-Fleet", "X-Other: empire", false)]
    public void Matches_Headers_NameCaseInsensitiveValueExact(string ruleHeader, string requestHeader, bool expected)
    {
        var rule = new HttpRule(null, null, null, [ruleHeader], "default/p");
        Assert.Equal(expected, rule.Matches(new TraceHttpRequest("GET", "/", null, [requestHeader])));
    }

    [Theory]
    [InlineData(null, "secret", "X-Token: secret", true)]
    [InlineData(null, "secret", "X-Token: other", false)]
    [InlineData(null, null, "X-Token: any", true)]
    [InlineData(null, "secret", "X-Other: secret", false)]
    [InlineData("LOG", "secret", "X-Token: other", true)]
    [InlineData("REPLACE", "secret", "X-Other: x", true)]
    public void Matches_HeaderMatches_EmptyMismatchDenies(string? mismatch, string? value, string requestHeader, bool expected)
    {
        var rule = new HttpRule(null, null, null, null, [("X-Token", value, mismatch)], "default/p", "spec.ingress[0]");
        Assert.Equal(expected, rule.Matches(new TraceHttpRequest("GET", "/", null, [requestHeader])));
    }

    [Fact]
    public void Matches_AllFieldsOfOneRule_AreAnded()
    {
        var rule = new HttpRule("POST", "/v1/request-landing", null, ["X-Fleet: empire"], "default/p");
        Assert.True(rule.Matches(new TraceHttpRequest("POST", "/v1/request-landing", null, ["X-Fleet: empire"])));
        Assert.False(rule.Matches(new TraceHttpRequest("POST", "/v1/request-landing", null, [])));
        Assert.False(rule.Matches(new TraceHttpRequest("PUT", "/v1/request-landing", null, ["X-Fleet: empire"])));
    }

    [Fact]
    public void Judge_RulesInList_AreOredAndNoMatchIsDenied()
    {
        var set = new HttpRuleSet([new HttpRule("GET", "/a", null, null, "ns/one"), new HttpRule("POST", "/b", null, null, "ns/two")], "ns/one");
        Assert.Equal(new L7Verdict(true, "ns/one"), set.Judge(new TraceHttpRequest("GET", "/a")));
        Assert.Equal(new L7Verdict(true, "ns/two"), set.Judge(new TraceHttpRequest("POST", "/b")));
        Assert.Equal(new L7Verdict(false, "ns/one"), set.Judge(new TraceHttpRequest("PUT", "/v1/exhaust-port")));
        Assert.True(HttpRuleSet.AllowAll.Judge(new TraceHttpRequest("PUT", "/anything")).Allowed);
    }

    [Fact]
    public void AndThen_BothSetsMustAllow_DenyNamesTheSetThatDenied()
    {
        var egress = new HttpRuleSet([new HttpRule(null, "/v1/.*", null, null, "ns/egress")], "ns/egress");
        var ingress = new HttpRuleSet([new HttpRule("POST", "/v1/request-landing", null, null, "ns/ingress")], "ns/ingress");
        var both = egress.AndThen(ingress);

        Assert.Equal(new L7Verdict(true, "ns/egress"), both.Judge(new TraceHttpRequest("POST", "/v1/request-landing")));
        Assert.Equal(new L7Verdict(false, "ns/ingress"), both.Judge(new TraceHttpRequest("PUT", "/v1/exhaust-port")));
        Assert.Equal(new L7Verdict(false, "ns/egress"), both.Judge(new TraceHttpRequest("POST", "/v2/other")));
        Assert.Equal(new L7Verdict(false, "ns/ingress"), HttpRuleSet.AllowAll.AndThen(ingress).Judge(new TraceHttpRequest("GET", "/")));
        Assert.Null(egress.Next); // the original set is unchanged
        Assert.True(egress.Judge(new TraceHttpRequest("PUT", "/v1/exhaust-port")).Allowed);
    }
}

public sealed class HttpRuleSetIndexTests
{
    [Theory]
    [InlineData("/v1/a", "ns/lit-a")]
    [InlineData("/v1/a.b", "ns/escaped-dot")]
    [InlineData("/v1/aXb", null)]
    [InlineData("/v1/items/42", "ns/regex")]
    [InlineData("/v1/items/x", null)]
    [InlineData("/v1/a?x=1", null)]
    [InlineData("/v1/c", "ns/first")]
    [InlineData("/v2/anything", "ns/catch-v2")]
    [InlineData("/V1/a", null)]
    public void Judge_LiteralAndRegexRules_FirstMatchInPolicyOrder(string target, string? expected)
    {
        var rules = new List<HttpRule>
        {
            new(null, "/v1/(c|d)", null, null, "ns/first"),
            new(null, "/v1/a", null, null, "ns/lit-a"),
            new(null, @"/v1/a\.b", null, null, "ns/escaped-dot"),
            new(null, "/v1/items/[0-9]+", null, null, "ns/regex"),
            new(null, "/v1/c", null, null, "ns/shadowed"),
            new(null, "/v2.*", null, null, "ns/catch-v2"),
        };
        for (var i = 0; i < 500; i++)
        {
            rules.Add(new HttpRule("GET", "/filler/" + i, null, null, "ns/filler"));
        }
        var verdict = new HttpRuleSet(rules, "ns/decider").Judge(new TraceHttpRequest("GET", target));
        Assert.Equal(expected is not null, verdict.Allowed);
        Assert.Equal(expected ?? "ns/decider", verdict.PolicyName);
    }

    [Fact]
    public void Judge_LiteralPathWithOtherFields_StillChecksThem()
    {
        var set = new HttpRuleSet([new HttpRule("POST", "/v1/request-landing", null, null, "ns/p")], "ns/p");
        Assert.True(set.Judge(new TraceHttpRequest("POST", "/v1/request-landing")).Allowed);
        Assert.False(set.Judge(new TraceHttpRequest("PUT", "/v1/request-landing")).Allowed);
    }

    [Theory]
    [InlineData("/t/abc/5", "ns/foot-5")]
    [InlineData("/t/abc/7", "ns/any-under-t")]
    [InlineData("/t/abc/7?x=1", "ns/any-under-t")]
    [InlineData("/t/abc/f1999", "ns/any-under-t")]
    [InlineData("/u/abc/7", null)]
    [InlineData("/t/ABC/5", "ns/any-under-t")]
    [InlineData("/t/abc/55", "ns/any-under-t")]
    public void Judge_ManyRulesBehindOnePrefix_FootIndexKeepsPolicyOrder(string target, string? expected)
    {
        var rules = new List<HttpRule>
        {
            new(null, "/t/[a-z]+/5", null, null, "ns/foot-5"),
            new(null, "/t/.*", null, null, "ns/any-under-t"),
            new(null, "/t/[a-z]+/7", null, null, "ns/foot-7"),
        };
        for (var i = 0; i < 2000; i++)
        {
            rules.Add(new HttpRule("GET", "/t/[a-z]+/f" + i, null, null, "ns/filler"));
        }
        var set = new HttpRuleSet(rules, "ns/decider");

        var verdict = set.Judge(new TraceHttpRequest("GET", target));

        Assert.Equal(expected is not null, verdict.Allowed);
        Assert.Equal(expected ?? "ns/decider", verdict.PolicyName);
    }

    [Fact]
    public void Judge_ThousandsOfRulesBehindOnePrefix_EachFoundByItsFoot()
    {
        var rules = new List<HttpRule>();
        for (var i = 0; i < 5000; i++)
        {
            rules.Add(new HttpRule("GET", "/tenant/[a-z]+/svc" + i, null, null, "ns/p" + i));
        }
        var set = new HttpRuleSet(rules, "ns/decider");

        Assert.Equal("ns/p4999", set.Judge(new TraceHttpRequest("GET", "/tenant/acme/svc4999")).PolicyName);
        Assert.Equal("ns/p0", set.Judge(new TraceHttpRequest("GET", "/tenant/acme/svc0")).PolicyName);
        Assert.False(set.Judge(new TraceHttpRequest("GET", "/tenant/acme/svc5000")).Allowed);
        Assert.False(set.Judge(new TraceHttpRequest("GET", "/tenant/ACME/svc1")).Allowed);
    }
}
