using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Tests;

public sealed class FqdnWarningsTests
{
    private const string ToFqdnsOnly = """
        endpointSelector: {matchLabels: {class: tiefighter}}
        egress:
        - toFQDNs: [{matchName: api.empire.test}]
          toPorts: [{ports: [{port: "80", protocol: TCP}]}]
        """;

    private const string DnsRule = """
        endpointSelector: {matchLabels: {class: tiefighter}}
        egress:
        - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system}}]
          toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*.empire.test"}]}}]
        """;

    [Fact]
    public void Check_ToFqdnsWithoutDnsRule_WarnsWithPathAndFix()
    {
        var warning = Assert.Single(FqdnWarnings.Check(Manifests.Valid(Manifests.Cnp(ToFqdnsOnly, "to-api"))));
        Assert.Contains("default/to-api", warning, StringComparison.Ordinal);
        Assert.Contains("spec.egress[0].toFQDNs", warning, StringComparison.Ordinal);
        Assert.Contains("rules: {dns:", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DnsRuleInAnotherPolicy_NoWarning()
    {
        Assert.Empty(FqdnWarnings.Check(Manifests.Valid(Manifests.Cnp(ToFqdnsOnly, "to-api"), Manifests.Cnp(DnsRule, "dns"))));
    }
}
