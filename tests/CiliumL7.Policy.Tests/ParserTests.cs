using CiliumL7.Policy.Api;

namespace CiliumL7.Policy.Tests;

public sealed class ParserTests
{
    private const string L7Spec = """
        endpointSelector:
          matchLabels:
            org: empire
        ingress:
        - fromEndpoints:
          - matchLabels:
              org: empire
          toPorts:
          - ports:
            - port: "80"
              protocol: TCP
            rules:
              http:
              - method: POST
                path: /v1/request-landing
                host: deathstar\.local
                headers: ["X-Fleet: empire", "X-Present"]
                headerMatches:
                - name: X-Token
                  value: abc
                  mismatch: LOG
        """;

    [Fact]
    public void ParseText_CnpWithHttpRule_MapsEveryField()
    {
        var r = Assert.Single(Manifests.Valid(Manifests.Cnp(L7Spec, "rule1")));
        Assert.Equal(PolicyKinds.CiliumNetworkPolicy, r.Kind);
        Assert.Equal("default/rule1", r.QualifiedName);
        var rule = Assert.Single(r.Rules);
        Assert.Equal("empire", rule.EndpointSelector!.MatchLabels["org"]);
        var ingress = Assert.Single(rule.Ingress!);
        var port = Assert.Single(Assert.Single(ingress.ToPorts!).Ports);
        Assert.Equal(("80", "TCP"), (port.Port, port.Protocol));
        var http = Assert.Single(ingress.ToPorts![0].Rules!.Http!);
        Assert.Equal("POST", http.Method);
        Assert.Equal("/v1/request-landing", http.Path);
        Assert.Equal(@"deathstar\.local", http.Host);
        Assert.Equal(["X-Fleet: empire", "X-Present"], http.Headers);
        Assert.Equal("LOG", Assert.Single(http.HeaderMatches!).Mismatch);
    }

    [Fact]
    public void ParseText_SpecsListAndMultiDocument_ReturnsAllRulesAndResources()
    {
        var specs = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: two, namespace: prod}
            specs:
            - endpointSelector: {}
              ingress: [{}]
            - endpointSelector: {matchLabels: {app: a}}
              egress:
              - toEntities: [world]
            """;
        var resources = Manifests.Valid(specs, Manifests.Ccnp("endpointSelector: {}\negress:\n- toEntities: [cluster]"));
        Assert.Equal(2, resources.Count);
        Assert.Equal(["specs[0]", "specs[1]"], resources[0].Rules.Select(r => r.Path));
        Assert.Equal("prod/two", resources[0].QualifiedName);
        Assert.Null(resources[1].Namespace);
        Assert.Equal("test", resources[1].QualifiedName);
    }

    [Fact]
    public void ParseText_KindList_ReadsItems()
    {
        var text = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: cilium.io/v2
              kind: CiliumNetworkPolicy
              metadata: {name: a}
              spec: {endpointSelector: {}, ingress: [{}]}
            - apiVersion: cilium.io/v2
              kind: CiliumNetworkPolicy
              metadata: {name: b}
              spec: {endpointSelector: {}, ingress: [{}]}
            """;
        Assert.Equal(["default/a", "default/b"], Manifests.Valid(text).Select(r => r.QualifiedName));
    }

    [Fact]
    public void ParseText_Json_IsAccepted()
    {
        var json = """{"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"j"},"spec":{"endpointSelector":{},"egress":[{"toCIDRSet":[{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}]}]}}""";
        var r = Assert.Single(Manifests.Valid(json));
        var set = Assert.Single(r.Rules[0].Egress![0].ToCidrSet!);
        Assert.Equal("10.0.0.0/8", set.Cidr);
        Assert.Equal(["10.1.0.0/16"], set.Except);
    }

    [Fact]
    public void ParseText_NetworkPolicy_ConvertsToCiliumRule()
    {
        var text = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: np, namespace: shop}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress:
              - from:
                - podSelector: {matchLabels: {app: api}}
                - ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}
                ports:
                - port: 5432
            """;
        var r = Assert.Single(Manifests.Valid(text));
        Assert.Equal("shop/np", r.QualifiedName);
        var rule = Assert.Single(r.Rules);
        Assert.Equal(2, rule.Ingress!.Count);
        Assert.Equal("api", rule.Ingress[0].FromEndpoints![0].MatchLabels["app"]);
        Assert.Equal("192.168.0.0/16", rule.Ingress[1].FromCidrSet![0].Cidr);
        Assert.Equal(("5432", "TCP"), (rule.Ingress[0].ToPorts![0].Ports[0].Port, rule.Ingress[0].ToPorts![0].Ports[0].Protocol));
        Assert.Null(rule.Egress);
    }

    [Fact]
    public void ParseText_DnsKafkaIcmpFqdnEntities_AreMapped()
    {
        var spec = """
            endpointSelector: {}
            egress:
            - toEndpoints: [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns}}]
              toPorts:
              - ports: [{port: "53", protocol: ANY}]
                rules:
                  dns:
                  - matchPattern: "*.cilium.io"
                  - matchName: cilium.io
            - toFQDNs: [{matchName: api.github.com}]
            - toEntities: [world, host]
            - icmps: [{fields: [{type: EchoRequest, family: IPv4}, {type: 128, family: IPv6}]}]
            - toEndpoints: [{}]
              toPorts:
              - ports: [{port: "9092", protocol: TCP}]
                rules:
                  kafka:
                  - role: produce
                    topic: deathstar-plans
                  - apiKey: fetch
                    apiVersion: "4"
                    clientID: reader
            """;
        var rule = Assert.Single(Assert.Single(Manifests.Valid(Manifests.Cnp(spec))).Rules);
        Assert.Equal(2, rule.Egress![0].ToPorts![0].Rules!.Dns!.Count);
        Assert.Equal("api.github.com", rule.Egress[1].ToFqdns![0].MatchName);
        Assert.Equal(["world", "host"], rule.Egress[2].ToEntities);
        Assert.Equal([8, 128], rule.Egress[3].Icmps![0].Fields.Select(f => f.Type));
        var kafka = rule.Egress[4].ToPorts![0].Rules!.Kafka!;
        Assert.Equal("produce", kafka[0].Role);
        Assert.Equal(("fetch", "4", "reader"), (kafka[1].ApiKey, kafka[1].ApiVersion, kafka[1].ClientId));
    }

    [Theory]
    [InlineData("spec:\n  endpointSelector: {}\n  ingress:\n  - fromEndpoints:\n    - matchLabels: {a: b}\n   toPorts: []\n", 10)]
    [InlineData("spec:\n  endpointSelector: {\n", 7)]
    [InlineData("spec:\n\tendpointSelector: {}\n", 6)]
    public void ParseText_YamlSyntaxError_ReportsLine(string body, int line)
    {
        var text = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: x\n" + body;
        var error = Assert.Single(Manifests.Invalid(text));
        Assert.Equal(line, error.Line);
        Assert.Contains("YAML syntax error", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.yaml:" + line + ": ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_DuplicateKey_ReportsLineAndKey()
    {
        var error = Assert.Single(Manifests.Invalid(Manifests.Cnp("endpointSelector: {}\ningress: [{}]\ningress: [{}]")));
        Assert.Equal(9, error.Line);
        Assert.Contains("\"ingress\" appears twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseText_ErrorLines_PointAtTheOffendingNode()
    {
        var text = Manifests.Cnp("endpointSelector: {}\ningress:\n- fromEndpoints: [{}]\n  toPorts:\n  - ports:\n    - port: \"80\"\n      protocol: TPC\n");
        var error = Assert.Single(Manifests.Invalid(text));
        Assert.Equal(13, error.Line);
        Assert.Equal("spec.ingress[0].toPorts[0].ports[0].protocol", error.FieldPath);
        Assert.Equal("TPC", error.Value);
        Assert.Equal("test.yaml:13: CiliumNetworkPolicy default/test: spec.ingress[0].toPorts[0].ports[0].protocol: \"TPC\" is not a protocol; did you mean \"TCP\"?", error.ToString());
    }

    [Fact]
    public void ParsePaths_Directory_ReadsSortedPolicyFilesOnly()
    {
        var dir = Directory.CreateTempSubdirectory("ciliuml7-policy-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "b.yaml"), Manifests.Cnp("endpointSelector: {}\ningress: [{}]", "b"));
            File.WriteAllText(Path.Combine(dir.FullName, "a.yml"), Manifests.Cnp("endpointSelector: {}\ningress: [{}]", "a"));
            File.WriteAllText(Path.Combine(dir.FullName, "notes.txt"), "not a policy: [");
            var result = PolicyParser.ParsePaths([dir.FullName]);
            Assert.True(result.IsValid, string.Join("\n", result.Errors));
            Assert.Equal(["default/a", "default/b"], result.Resources.Select(r => r.QualifiedName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The agent reads each document once (its own split) and hands the node to ParseDocument: same outcome as ParseText.</summary>
    [Theory]
    [InlineData("sw_l3_l4_l7_policy.yaml")]
    [InlineData("sw_policy_typo.yaml")]
    public void ParseDocument_EachDocumentOfAFile_SameResourcesAndErrorsAsParseText(string file)
    {
        var text = File.ReadAllText(TestSupport.RepoPaths.Combine("examples", "deathstar", file))
            + "\n---\n" + Manifests.Cnp(L7Spec, "second");
        var whole = PolicyParser.ParseText(text, file);
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(text));
        var parts = stream.Documents.Select(d => PolicyParser.ParseDocument(d.RootNode, file)).ToList();

        Assert.Equal(whole.Errors.Select(e => e.ToString()), parts.SelectMany(p => p.Errors).Select(e => e.ToString()));
        Assert.Equal(whole.Resources.Select(r => (r.QualifiedName, r.Line, r.Source, r.Rules.Count)),
            parts.SelectMany(p => p.Resources).Select(r => (r.QualifiedName, r.Line, r.Source, r.Rules.Count)));
        Assert.Contains(whole.Resources, r => r.Name == "second");
    }
}
