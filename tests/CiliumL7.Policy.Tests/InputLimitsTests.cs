using CiliumL7.Policy.Api;
using CiliumL7.Policy.Api.Limits;

namespace CiliumL7.Policy.Tests;

/// <summary>Untrusted policy text is bounded (size, depth, alias expansion) before a tree is built, and echoed values are cut.</summary>
public sealed class InputLimitsTests
{
    internal static string NestedFlowSequence(int depth) => new string('[', depth) + new string(']', depth) + "\n";

    [Fact]
    public void ParseText_FlowSequence100kDeep_ReportsDepthLimitInsteadOfOverflowingTheStack()
    {
        var result = PolicyParser.ParseText(NestedFlowSequence(100_000), "deep.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Empty(result.Resources);
        Assert.Contains("deep.yaml: line 1: YAML nesting deeper than 64 levels (the limit)", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_DeepBlockMappings_ReportsDepthLimit()
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            sb.Append(' ', i).Append('k').Append(i).Append(":\n");
        }
        var result = PolicyParser.ParseText(sb.ToString(), "mappings.yaml");

        Assert.Contains("nesting deeper than 64 levels", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_AliasBomb_ReportsNodeLimit()
    {
        var sb = new System.Text.StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 9; i++)
        {
            sb.Append($"a{i}: &a{i} [").AppendJoin(", ", Enumerable.Repeat($"*a{i - 1}", 10)).Append("]\n");
        }
        var result = PolicyParser.ParseText(sb.ToString(), "bomb.yaml");

        Assert.Contains($"expands to more than {InputLimits.MaxPolicyNodes} YAML nodes", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseFile_LargerThanLimit_ReportsSizeAndLimit()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cl7-big-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(path, "# " + new string('x', InputLimits.MaxPolicyBytes) + "\n");
            var result = PolicyParser.ParseFile(path);

            var error = Assert.Single(result.Errors).ToString();
            Assert.Contains($"is {InputLimits.MaxPolicyBytes + 3} bytes, larger than the limit of {InputLimits.MaxPolicyBytes} bytes", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParseText_HugeInvalidValue_EchoesItTruncatedWithItsLength()
    {
        var huge = new string('(', 1_000_000);
        var yaml = $$"""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: big
            spec:
              endpointSelector: {}
              ingress:
              - toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
                  rules:
                    http:
                    - path: "{{huge}}"
            """;
        var result = PolicyParser.ParseText(yaml, "big.yaml");

        var error = Assert.Single(result.Errors);
        Assert.True(error.ToString().Length < 2_000, Echo.Truncate(error.ToString(), 2_000));
        Assert.Contains("… (1000000 chars)", error.ToString(), StringComparison.Ordinal);
        Assert.True(error.Value!.Length < 300);
    }

    [Theory]
    [InlineData("short", 10, "short")]
    [InlineData("abcdefghijkl", 4, "abcd… (12 chars)")]
    [InlineData("ab\U0001F600cd", 3, "ab… (6 chars)")]
    public void Truncate_Value_KeepsShortCutsLongWithLength(string value, int max, string expected) =>
        Assert.Equal(expected, Echo.Truncate(value, max));

    [Fact]
    public void Check_RealisticPolicy_Passes()
    {
        var text = File.ReadAllText(TestSupport.RepoPaths.Combine("examples", "deathstar", "sw_l3_l4_l7_policy.yaml"));
        Assert.Null(YamlInputGuard.Check(text));
    }

    [Fact]
    public void ParseText_RegexTooLargeForLinearEngine_SaysTooLargeNotBackreferences()
    {
        var yaml = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: big-regex
            spec:
              endpointSelector: {}
              ingress:
              - toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
                  rules:
                    http:
                    - path: "/(a{1000}){1000}"
            """;
        var message = Assert.Single(PolicyParser.ParseText(yaml, "regex.yaml").Errors).Message;

        Assert.Contains("is too large for the linear-time (RE2-like) regex engine (it would need", message, StringComparison.Ordinal);
        Assert.DoesNotContain("backreference", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_RegexLongerThanTheLimit_RefusedBeforeItIsParsed()
    {
        var yaml = $$"""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: long-regex
            spec:
              endpointSelector: {}
              ingress:
              - toPorts:
                - ports:
                  - port: "80"
                    protocol: TCP
                  rules:
                    http:
                    - path: "{{new string('(', 9000)}}"
            """;

        var message = Assert.Single(PolicyParser.ParseText(yaml, "long.yaml").Errors).Message;

        Assert.Contains("is 9000 characters long; a policy regex is at most 8192", message, StringComparison.Ordinal);
        Assert.True(message.Length < 1_000, message);
    }

    // Found by `make fuzz` (policy-yaml): YamlDotNet threw InvalidOperationException / ArgumentException (not
    // YamlException), which escaped policy validate, the REST import and the policy directory scan.
    [Theory]
    [InlineData("scanner-invalid-operation.yaml")]
    [InlineData("load-unsupported-event.yaml")]
    [InlineData("global-tag-not-uri.yaml")]
    public void ParseText_FuzzFindingYamlReaderException_SyntaxErrorNotException(string file)
    {
        var text = File.ReadAllText(TestSupport.RepoPaths.Combine("tests", "CiliumL7.Policy.Tests", "Fuzz", file));

        var result = PolicyParser.ParseText(text, "fuzz.yaml");

        Assert.Contains("YAML syntax error", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    // long-anchor.yaml: the YAML reader's own message quoted a 7,000-character anchor name whole.
    [Theory]
    [InlineData("long-name.yaml")]
    [InlineData("long-anchor.yaml")]
    public void ParseText_FuzzFindingLongValue_EveryMessageShort(string file)
    {
        var text = File.ReadAllText(TestSupport.RepoPaths.Combine("tests", "CiliumL7.Policy.Tests", "Fuzz", file));

        var result = PolicyParser.ParseText(text, "fuzz.yaml");

        Assert.NotEmpty(result.Errors);
        Assert.All(result.Errors, e => Assert.True(e.ToString().Length < 2_000, Echo.Truncate(e.ToString(), 2_000)));
    }
}
