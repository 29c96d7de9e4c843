namespace CiliumL7.Connectivity.Suites;

/// <summary>Builds a CiliumNetworkPolicy document for the test namespace (written as <c>{ns}</c>, filled in at run time).</summary>
internal static class Cnp
{
    /// <summary>The placeholder for the test namespace.</summary>
    public const string Namespace = "{ns}";

    /// <summary>A policy named <paramref name="name"/> whose <c>spec:</c> body is <paramref name="spec"/> (indented two spaces).</summary>
    public static string Of(string name, string spec) =>
        $"""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: {name}
          namespace: {Namespace}
        spec:
        {spec}
        """;
}
