using System.Text.RegularExpressions;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Tests;

public sealed class RegexSplitTests
{
    [Theory]
    [InlineData("/svc1/v1/[a-z]+", "/svc1/v1/", "[a-z]+")]
    [InlineData("/v1/items/[0-9]+", "/v1/items/", "[0-9]+")]
    [InlineData("/a/b*", "/a/", "b*")]
    [InlineData("/a/b?", "/a/", "b?")]
    [InlineData("/a/b{2}", "/a/", "b{2}")]
    [InlineData(@"/a\.+x", "/a", @"\.+x")]
    [InlineData(@"/v1/search\?q=[0-9]+", "/v1/search?q=", "[0-9]+")]
    [InlineData("/api/(users|groups)/[^/]+", "/api/", "(users|groups)/[^/]+")]
    [InlineData("/v1/.*", "/v1/", ".*")]
    [InlineData("/v1/(?:a|b)$", "/v1/", "(?:a|b)$")]
    public void TrySplit_LiteralHead_SplitsAtFirstOperator(string pattern, string head, string tail)
    {
        Assert.True(RegexLiterals.TrySplit(pattern, out var h, out var t));
        Assert.Equal((head, tail), (h, t));
    }

    [Theory]
    [InlineData("/v1/a|/v1/b")]        // top-level alternation
    [InlineData("/v1/(a)|b")]
    [InlineData("/v1/^x")]             // anchor in the tail
    [InlineData(@"/v1/\bx")]           // word boundary looks behind the cut
    [InlineData(@"/v1/\Bx")]
    [InlineData(@"/v1/\Ax")]
    [InlineData(@"/v1/\Gx")]
    [InlineData("/v1/(?i)abc")]        // inline options
    [InlineData("/v1/(?i:a)")]
    [InlineData("/v1/(?#c)x")]         // comment group
    [InlineData("/v1/[]a]")]           // leading ] in a class
    [InlineData("/v1/[a-z-[aeiou]]")]  // class subtraction
    [InlineData("/v1/[a-z")]           // unterminated class
    [InlineData("/v1/(a")]             // unbalanced
    [InlineData("/v1/a)")]
    [InlineData(@"/v1/(a)\1")]         // backreference
    [InlineData("[a-z]+/x")]           // no literal head
    [InlineData("a+")]                 // the only literal is quantified
    [InlineData("/v1/literal")]        // all literal: matched as a string, not split
    public void TrySplit_TailNotSelfContained_NoSplit(string pattern)
    {
        Assert.False(RegexLiterals.TrySplit(pattern, out _, out _));
    }

    public static TheoryData<string, string> SplitCases()
    {
        var patterns = new[]
        {
            "/svc1/v1/[a-z]+", "/a/b*", "/a/b?", "/a/b{2}", @"/a\.+x", @"/v1/search\?q=[0-9]+", "/api/(users|groups)/[^/]+",
            "/v1/.*", "/v1/(?:a|b)$", "/v1/a|/v1/b", "/v1/^x", @"/v1/\bx", @"/ab\b", "/x/[^^]+", @"/x/[\]]+", "GET|HEAD", "P.*",
        };
        var inputs = new[]
        {
            "", "/", "/svc1/v1/", "/svc1/v1/items", "/svc1/v1/Items", "/svc1/v1/items\n", "/svc10/v1/items", "/a/", "/a/b", "/a/bb", "/a/bbb",
            "/a.x", "/a..x", "/ax", "/v1/search?q=42", "/v1/search?q=", "/api/users/7", "/api/groups/", "/api/other/7", "/v1/", "/v1/a",
            "/v1/b", "/v1/bx", "/v1/a\n", "/v1/x", "/v1/^x", "/ab", "/abc", "/x/a^b", "/x/]]", "GET", "HEAD", "POST", "PUT",
        };
        var data = new TheoryData<string, string>();
        foreach (var p in patterns)
        {
            foreach (var s in inputs)
            {
                data.Add(p, s);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void IsMatch_SplitOrNot_SameAsWholeAnchoredRegex(string pattern, string input)
    {
        var whole = new Regex("^(?:" + pattern + @")\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        Assert.Equal(whole.IsMatch(input), FieldMatcher.Create(pattern, ignoreCase: false)!.IsMatch(input));
    }

    [Fact]
    public void Create_ManyPatternsWithOneTail_ShareOneCompiledRegex()
    {
        var shared = HttpRule.CompileAnchored("[a-z]+");
        for (var i = 0; i < 100; i++)
        {
            var matcher = FieldMatcher.Create("/svc" + i + "/v1/[a-z]+", ignoreCase: false)!;
            Assert.Same(shared, matcher.Regex);
            Assert.True(matcher.IsMatch("/svc" + i + "/v1/items"));
            Assert.False(matcher.IsMatch("/svc" + i + "/v1/Items"));
            Assert.False(matcher.IsMatch("/svc" + (i + 1) + "/v1/items"));
        }
    }

    [Fact]
    public void Create_HostPattern_NotSplitAndMatchesIgnoringCase()
    {
        var matcher = FieldMatcher.Create(@"api[0-9]+\.example\.com", ignoreCase: true)!;
        Assert.NotSame(HttpRule.CompileAnchored(@"[0-9]+\.example\.com"), matcher.Regex);
        Assert.True(matcher.IsMatch("API7.Example.com"));
        Assert.False(matcher.IsMatch("apix.example.com"));
    }
}
