using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Tests;

/// <summary>Builds manifests for tests: a CNP header plus a spec body.</summary>
internal static class Manifests
{
    /// <summary>A CiliumNetworkPolicy default/test with <paramref name="spec"/> (YAML lines of the spec body, no indentation).</summary>
    public static string Cnp(string spec, string name = "test", string ns = "default") =>
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec:\n" + Indent(spec, 2);

    /// <summary>A CiliumClusterwideNetworkPolicy with <paramref name="spec"/>.</summary>
    public static string Ccnp(string spec, string name = "test") =>
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata:\n  name: " + name + "\nspec:\n" + Indent(spec, 2);

    /// <summary>Parses and asserts the text is valid.</summary>
    public static IReadOnlyList<PolicyResource> Valid(params string[] docs)
    {
        var result = PolicyParser.ParseText(string.Join("\n---\n", docs), "test.yaml");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Resources;
    }

    /// <summary>Parses and returns the errors (asserting there is at least one).</summary>
    public static IReadOnlyList<PolicyError> Invalid(string text)
    {
        var result = PolicyParser.ParseText(text, "test.yaml");
        Assert.False(result.IsValid, "expected errors, the manifest was accepted");
        return result.Errors;
    }

    private static string Indent(string text, int n)
    {
        var pad = new string(' ', n);
        return string.Join("\n", text.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => l.Length == 0 ? l : pad + l)) + "\n";
    }
}
