using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Tests;

public sealed class ValidationTests
{
    private const string Sel = "endpointSelector: {matchLabels: {app: x}}\n";

    public static TheoryData<string, string, string> Rejections => new()
    {
        // the rejections Cilium's validation makes
        { "endpointSelector: {}\n", "spec", "has no ingress, ingressDeny, egress or egressDeny section" },
        { "ingress: [{}]\n", "spec.endpointSelector", "is required" },
        { "endpointSelector: {}\nnodeSelector: {}\ningress: [{}]\n", "spec.nodeSelector", "cannot be combined with endpointSelector" },
        { Sel + "ingress:\n- fromEndpoints: [{}]\n  fromCIDR: [10.0.0.0/8]\n", "spec.ingress[0].fromCIDR", "cannot be combined with fromEndpoints" },
        { Sel + "egress:\n- toFQDNs: [{matchName: a.com}]\n  toEntities: [world]\n", "spec.egress[0].toFQDNs", "cannot be combined with toEntities" },
        { Sel + "ingress:\n- icmps: [{fields: [{type: 8}]}]\n  toPorts: [{ports: [{port: \"80\"}]}]\n", "spec.ingress[0].icmps", "cannot be combined with toPorts" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"53\"}], rules: {dns: [{matchName: a.com}]}}]\n", "spec.ingress[0].toPorts[0].rules.dns", "only valid on egress" },
        { Sel + "egress:\n- toPorts: [{rules: {dns: [{matchName: a.com}]}}]\n", "spec.egress[0].toPorts[0].ports", "port: \"53\"" },
        { Sel + "egress:\n- toPorts: [{rules: {http: [{path: /}]}}]\n", "spec.egress[0].toPorts[0].ports", "is required with L7 rules" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\", protocol: UDP}], rules: {http: [{path: /}]}}]\n", "spec.ingress[0].toPorts[0].ports[0].protocol", "TCP only" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"0\", protocol: TCP}], rules: {http: [{path: /}]}}]\n", "spec.ingress[0].toPorts[0].ports[0].port", "need a specific port" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\", endPort: 90, protocol: TCP}], rules: {http: [{path: /}]}}]\n", "spec.ingress[0].toPorts[0].ports[0].endPort", "not a range" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{path: /}], kafka: [{role: produce}]}}]\n", "spec.ingress[0].toPorts[0].rules.kafka", "cannot be combined with http" },
        { Sel + "ingress:\n- toPorts: [{ports: [" + string.Join(",", Enumerable.Range(1, 41).Select(p => "{port: \"" + p + "\"}")) + "]}]\n", "spec.ingress[0].toPorts[0].ports", "at most 40" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{path: \"/v1/(\"}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].path", "\"/v1/(\" is not a valid regular expression (missing ')')" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{method: \"GET|(\"}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].method", "is not a valid regular expression" },
        // patterns with a literal head or foot (checked through their middle) still get the whole pattern's reason
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{path: \"/v1/[a-z\"}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].path", "\"/v1/[a-z\" is not a valid regular expression (missing ']')" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{path: \"/v1/a)(b/x\"}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].path", "is not a valid regular expression (unmatched ')')" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{path: \"/v1/(a)\\\\1/x\"}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].path", "linear-time" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{path: '(a)\\1'}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].path", "linear-time" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{host: '(?=foo)bar'}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].host", "linear-time" },
        { Sel + "egress:\n- toCIDRSet: [{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}]\n", "spec.egress[0].toCIDRSet[0].except[0]", "is not inside cidr \"10.0.0.0/8\"" },
        // unknown fields, did-you-mean
        { "endpointSelector:\n  matchLables: {org: empire}\ningress: [{}]\n", "spec.endpointSelector.matchLables", "did you mean \"matchLabels\"?" },
        { Sel + "ingres: [{}]\n", "spec.ingres", "did you mean \"ingress\"?" },
        { Sel + "ingress:\n- fromEndpoint: [{}]\n", "spec.ingress[0].fromEndpoint", "did you mean \"fromEndpoints\"?" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{paths: /}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].paths", "did you mean \"path\"?" },
        // selectors, names, values
        { "endpointSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}\ningress: [{}]\n", "spec.endpointSelector.matchExpressions[0].operator", "is not a selector operator" },
        { "endpointSelector: {matchExpressions: [{key: app, operator: In}]}\ningress: [{}]\n", "spec.endpointSelector.matchExpressions[0].values", "at least one value" },
        { "endpointSelector: {matchExpressions: [{key: app, operator: Exists, values: [a]}]}\ningress: [{}]\n", "spec.endpointSelector.matchExpressions[0].values", "must be empty" },
        { "endpointSelector: {matchLabels: {\"-bad\": x}}\ningress: [{}]\n", "spec.endpointSelector.matchLabels.-bad", "is not a valid label key" },
        { "endpointSelector: {matchLabels: {app: \"a b\"}}\ningress: [{}]\n", "spec.endpointSelector.matchLabels.app", "is not a valid label value" },
        { Sel + "ingress:\n- fromCIDR: [10.0.0.1/8]\n", "spec.ingress[0].fromCIDR[0]", "is not a valid CIDR" },
        { Sel + "ingress:\n- fromEntities: [wrold]\n", "spec.ingress[0].fromEntities[0]", "did you mean \"world\"?" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"70000\"}]}]\n", "spec.ingress[0].toPorts[0].ports[0].port", "is not a port number" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"Http_Port\"}]}]\n", "spec.ingress[0].toPorts[0].ports[0].port", "nor a valid named port" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"90\", endPort: 80}]}]\n", "spec.ingress[0].toPorts[0].ports[0].endPort", "endPort must be ≥ port" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\", protocol: tcp}]}]\n", "spec.ingress[0].toPorts[0].ports[0].protocol", "did you mean \"TCP\"?" },
        { Sel + "egress:\n- toPorts: [{ports: [{port: \"9092\"}], rules: {kafka: [{role: produce, apiKey: fetch}]}}]\n", "spec.egress[0].toPorts[0].rules.kafka[0].apiKey", "cannot be combined with role" },
        { Sel + "egress:\n- toPorts: [{ports: [{port: \"9092\"}], rules: {kafka: [{role: publish}]}}]\n", "spec.egress[0].toPorts[0].rules.kafka[0].role", "is not a Kafka role" },
        { Sel + "egress:\n- toPorts: [{ports: [{port: \"9092\"}], rules: {kafka: [{apiKey: fetchh}]}}]\n", "spec.egress[0].toPorts[0].rules.kafka[0].apiKey", "did you mean \"fetch\"?" },
        { Sel + "egress:\n- toPorts: [{ports: [{port: \"9092\"}], rules: {kafka: [{topic: \"bad topic\"}]}}]\n", "spec.egress[0].toPorts[0].rules.kafka[0].topic", "is not a Kafka topic" },
        { Sel + "egress:\n- toPorts: [{ports: [{port: \"53\"}], rules: {dns: [{matchName: \"*.cilium.io\"}]}}]\n", "spec.egress[0].toPorts[0].rules.dns[0].matchName", "is not a DNS name" },
        { Sel + "egress:\n- toPorts: [{ports: [{port: \"53\"}], rules: {dns: [{matchPattern: \"a/b\"}]}}]\n", "spec.egress[0].toPorts[0].rules.dns[0].matchPattern", "is not a DNS pattern" },
        { Sel + "egress:\n- toFQDNs: [{matchName: a.com, matchPattern: \"*.a.com\"}]\n", "spec.egress[0].toFQDNs[0].matchPattern", "cannot be combined with matchName" },
        { Sel + "ingressDeny:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{path: /}]}}]\n", "spec.ingressDeny[0].toPorts[0].rules", "not allowed in a deny rule" },
        { Sel + "ingress:\n- icmps: [{fields: [{type: Ping}]}]\n", "spec.ingress[0].icmps[0].fields[0].type", "is not an IPv4 ICMP type" },
        { Sel + "log: {value: \"" + new string('x', 33) + "\"}\ningress: [{}]\n", "spec.log.value", "at most 32 printable" },
        { Sel + "enableDefaultDeny: {ingress: maybe}\ningress: [{}]\n", "spec.enableDefaultDeny.ingress", "is not a boolean" },
        { Sel + "ingress:\n- toPorts: [{ports: [{port: \"80\"}], rules: {http: [{headerMatches: [{name: X-A, mismatch: DROP}]}]}}]\n", "spec.ingress[0].toPorts[0].rules.http[0].headerMatches[0].mismatch", "is not a mismatch action" },
        { Sel + "ingress: {fromEndpoints: [{}]}\n", "spec.ingress", "must be a list" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void ParseText_InvalidRule_ReportsFieldPathAndReason(string spec, string fieldPath, string messageFragment)
    {
        var errors = Manifests.Invalid(Manifests.Cnp(spec));
        var match = errors.FirstOrDefault(e => e.FieldPath == fieldPath);
        Assert.True(match is not null, "no error at " + fieldPath + "; got:\n" + string.Join("\n", errors));
        Assert.Contains(messageFragment, match!.ToString(), StringComparison.Ordinal);
        Assert.Contains(": CiliumNetworkPolicy default/test: " + fieldPath + ": ", match.ToString(), StringComparison.Ordinal);
        Assert.True(match.Line > 0, "line missing: " + match);
    }

    [Fact]
    public void ParseText_ManyProblems_ReportsEveryOneInOnePass()
    {
        var spec = """
            endpointSelector:
              matchLables: {org: empire}
            ingress:
            - fromEntities: [wrold]
              toPorts:
              - ports: [{port: "80", protocol: TPC}]
                rules:
                  http: [{path: "/v1/("}]
            """;
        var errors = Manifests.Invalid(Manifests.Cnp(spec));
        Assert.Equal(4, errors.Count);
        Assert.Equal(errors.OrderBy(e => e.Line).Select(e => e.Line), errors.Select(e => e.Line));
    }

    [Theory]
    [InlineData("apiVersion: cilium.io/v1\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nspec: {endpointSelector: {}, ingress: [{}]}", "apiVersion", "use cilium.io/v2")]
    [InlineData("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicyy\nmetadata: {name: a}\nspec: {endpointSelector: {}, ingress: [{}]}", "kind", "did you mean \"CiliumNetworkPolicy\"?")]
    [InlineData("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {namespace: a}\nspec: {endpointSelector: {}, ingress: [{}]}", "metadata.name", "is required")]
    [InlineData("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: Bad_Name}\nspec: {endpointSelector: {}, ingress: [{}]}", "metadata.name", "is not a valid name")]
    [InlineData("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\n", "spec", "is required")]
    [InlineData("apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: a, namespace: b}\nspec: {endpointSelector: {}, ingress: [{}]}", "metadata.namespace", "clusterwide")]
    [InlineData("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}, policyTypes: [Ingres]}", "spec.policyTypes", "did you mean \"Ingress\"?")]
    public void ParseText_InvalidResource_ReportsFieldPath(string text, string fieldPath, string fragment)
    {
        var errors = Manifests.Invalid(text);
        var match = errors.FirstOrDefault(e => e.FieldPath == fieldPath);
        Assert.True(match is not null, "no error at " + fieldPath + "; got:\n" + string.Join("\n", errors));
        Assert.Contains(fragment, match!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_OneBadResourceInFile_KeepsTheGoodOneAndReportsTheBad()
    {
        var result = PolicyParser.ParseText(Manifests.Cnp(Sel + "ingress: [{}]", "good") + "---\n" + Manifests.Cnp(Sel + "ingres: [{}]", "bad"), "f.yaml");
        Assert.False(result.IsValid);
        Assert.Equal("default/good", Assert.Single(result.Resources).QualifiedName);
        Assert.All(result.Errors, e => Assert.Equal("bad", e.Name));
    }
}
