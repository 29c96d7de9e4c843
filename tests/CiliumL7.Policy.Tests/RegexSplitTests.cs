using System.Text.RegularExpressions;
using CiliumL7.Policy.L7;

namespace CiliumL7.Policy.Tests;

public sealed class RegexSplitTests
{
    [Theory]
    [InlineData("/svc1/v1/[a-z]+", "/svc1/v1/", "[a-z]+", "")]
    [InlineData("/v1/items/[0-9]+", "/v1/items/", "[0-9]+", "")]
    [InlineData("/a/b*", "/a/", "b*", "")]
    [InlineData("/a/b?", "/a/", "b?", "")]
    [InlineData("/a/b{2}", "/a/", "b{2}", "")]
    [InlineData(@"/a\.+x", "/a", @"\.+", "x")]
    [InlineData(@"/v1/search\?q=[0-9]+", "/v1/search?q=", "[0-9]+", "")]
    [InlineData("/api/(users|groups)/[^/]+", "/api/", "(users|groups)/[^/]+", "")]
    [InlineData("/v1/.*", "/v1/", ".*", "")]
    [InlineData("/v1/(?:a|b)$", "/v1/", "(?:a|b)$", "")]
    [InlineData("/t/[a-z]+/17", "/t/", "[a-z]+", "/17")]
    [InlineData(@"[a-z]+\.json", "", "[a-z]+", ".json")]
    [InlineData("/u/[0-9]+/orders", "/u/", "[0-9]+", "/orders")]
    [InlineData("(a|b)c", "", "(a|b)", "c")]
    [InlineData("^[a-z]+/x", "", "^[a-z]+", "/x")]
    [InlineData("/x/[a-z]+$", "/x/", "[a-z]+$", "")]
    public void TrySplit_LiteralHeadOrFoot_SplitsAroundTheRegex(string pattern, string head, string middle, string foot)
    {
        Assert.True(RegexLiterals.TrySplit(pattern, out var h, out var m, out var f));
        Assert.Equal((head, middle, foot), (h, m, f));
    }

    [Theory]
    [InlineData("/v1/a|/v1/b")]        // top-level alternation
    [InlineData("/v1/(a)|b")]
    [InlineData("/v1/^x")]             // start anchor after a head
    [InlineData(@"/v1/\Ax")]
    [InlineData(@"/v1/\Gx")]
    [InlineData(@"/v1/\bx")]           // word boundaries look across a cut
    [InlineData(@"/v1/\Bx")]
    [InlineData(@"[a-z]+\b/x")]
    [InlineData("/v1/(?i)abc")]        // inline options
    [InlineData("/v1/(?i:a)")]
    [InlineData("/v1/(?#c)x")]         // comment group
    [InlineData("/v1/[]a]")]           // leading ] in a class
    [InlineData("/v1/[a-z-[aeiou]]")]  // class subtraction
    [InlineData("/v1/[a-z")]           // unterminated class
    [InlineData("/v1/(a")]             // unbalanced
    [InlineData("/v1/a)")]
    [InlineData(@"/v1/(a)\1")]         // backreference
    [InlineData(@"[a-z]\x41")]         // escapes with arguments: their digits are no foot
    [InlineData(@"[a-z]\u0041")]
    [InlineData(@"[a-z]\cA")]
    [InlineData(@"[a-z]\p{L}")]
    [InlineData("[a-z]+")]             // neither head nor foot
    [InlineData("a+")]                 // the only literal is quantified
    [InlineData("/v1/literal")]        // all literal: matched as a string, not split
    public void TrySplit_NotCertainlyEquivalent_NoSplit(string pattern)
    {
        Assert.False(RegexLiterals.TrySplit(pattern, out _, out _, out _));
    }

    // Every pattern below is tried on each input: both sides of each cut, a newline before the end, overlaps.
    private static readonly string[] Inputs =
    [
        "", "/", "/svc1/v1/", "/svc1/v1/items", "/svc1/v1/Items", "/svc1/v1/items\n", "/svc10/v1/items", "/a/", "/a/b", "/a/bb", "/a/bbb",
        "/a.x", "/a..x", "/ax", "/v1/search?q=42", "/v1/search?q=", "/api/users/7", "/api/groups/", "/api/other/7", "/v1/", "/v1/a",
        "/v1/b", "/v1/bx", "/v1/a\n", "/v1/x", "/v1/^x", "/ab", "/abc", "/x/a^b", "/x/]]", "GET", "HEAD", "POST", "PUT",
        "/t/abc/17", "/t//17", "/t/abc/171", "/t/17", "a.json", ".json", "a.json\n", "/u/12/orders", "/u//orders", "ac", "bc", "c", "abc/x",
        "/x/", "/x/abc", "/x/abc\n", "/x/x", "/x//x", "/a", "/aa", "/aXa", "/x/ab/x",
    ];

    public static TheoryData<string> Patterns() => new(
    [
        "/svc1/v1/[a-z]+", "/a/b*", "/a/b?", "/a/b{2}", @"/a\.+x", @"/v1/search\?q=[0-9]+", "/api/(users|groups)/[^/]+",
        "/v1/.*", "/v1/(?:a|b)$", "/v1/a|/v1/b", "/v1/^x", @"/v1/\bx", @"/ab\b", "/x/[^^]+", @"/x/[\]]+", "GET|HEAD", "P.*",
        "/t/[a-z]+/17", @"[a-z]+\.json", "/u/[0-9]+/orders", "(a|b)c", "^[a-z]+/x", "/x/[a-z]+$", "/x/[a-z]*/x", @"[a-z]+\b/x", "/a.*a",
    ]);

    [Theory]
    [MemberData(nameof(Patterns))]
    public void IsMatch_SplitOrNot_SameAsWholeAnchoredRegex(string pattern)
    {
        var whole = new Regex("^(?:" + pattern + @")\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        var matcher = FieldMatcher.Create(pattern, ignoreCase: false)!;

        var differ = Inputs.Where(input => whole.IsMatch(input) != matcher.IsMatch(input)).ToList();

        Assert.Empty(differ);
    }

    [Fact]
    public void Create_ManyPatternsWithOneTail_ShareOneCompiledRegex()
    {
        var shared = HttpRule.CompileAnchored("[a-z]+");
        for (var i = 0; i < 100; i++)
        {
            var matcher = FieldMatcher.Create("/svc" + i + "/v1/[a-z]+", ignoreCase: false)!;
            var footed = FieldMatcher.Create("/t/[a-z]+/" + i, ignoreCase: false)!;
            Assert.Same(shared, matcher.Regex);
            Assert.Same(shared, footed.Regex);
            Assert.True(matcher.IsMatch("/svc" + i + "/v1/items"));
            Assert.False(matcher.IsMatch("/svc" + i + "/v1/Items"));
            Assert.False(matcher.IsMatch("/svc" + (i + 1) + "/v1/items"));
            Assert.True(footed.IsMatch("/t/items/" + i));
            Assert.False(footed.IsMatch("/t/items/" + i + "0"));
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

    [Fact]
    public void Compile_RegexNoRuleHolds_IsCollectedAndOneInUseIsShared()
    {
        var tag = Guid.NewGuid().ToString("N");
        var held = FieldMatcher.Create("(held" + tag + ")+", ignoreCase: false)!;
        CompileAndDrop("(dropped" + tag + ")+");
        for (var i = 0; i < 300; i++)
        {
            CompileAndDrop("(filler" + tag + "x" + i + ")+"); // pushes both out of the recent set
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(LinearRegex.IsAlive(LinearRegex.Anchor("(dropped" + tag + ")+"), RegexOptions.None));
        Assert.Same(held.Regex, HttpRule.CompileAnchored("(held" + tag + ")+"));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CompileAndDrop(string pattern) => _ = HttpRule.CompileAnchored(pattern);
}
