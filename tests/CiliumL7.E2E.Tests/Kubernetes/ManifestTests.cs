using System.Diagnostics;
using CiliumL7.TestSupport;
using YamlDotNet.RepresentationModel;
using static CiliumL7.E2E.Tests.Kubernetes.RenderedManifests;

namespace CiliumL7.E2E.Tests.Kubernetes;

/// <summary>
/// The rendered manifests against the Kubernetes API conventions they rely on: what the
/// API server would refuse, and what would make the DaemonSet or its Services select
/// nothing. Runs without privileges (kubectl kustomize only).
/// </summary>
public sealed class ManifestTests
{
    private static readonly Lazy<RenderedManifests> Rendered = new(RenderedManifests.Render);

    private static RenderedManifests M => Rendered.Value;

    private static YamlNode PodSpec => Node(M.Get("DaemonSet", "ciliuml7"), "spec", "template", "spec")!;

    [Fact]
    public void Render_EveryObject_HasApiVersionKindNameAndNamespace()
    {
        Assert.NotEmpty(M.Objects);
        foreach (var o in M.Objects)
        {
            var what = $"{Str(o, "kind")}/{Str(o, "metadata", "name")}";
            Assert.False(string.IsNullOrEmpty(Str(o, "apiVersion")), what + ": apiVersion");
            Assert.False(string.IsNullOrEmpty(Str(o, "kind")), what + ": kind");
            Assert.False(string.IsNullOrEmpty(Str(o, "metadata", "name")), what + ": metadata.name");
            var clusterScoped = Str(o, "kind") is "CustomResourceDefinition" or "ClusterRole" or "ClusterRoleBinding";
            Assert.True(clusterScoped == (Str(o, "metadata", "namespace") is null), what + ": namespace set exactly on namespaced kinds");
        }
    }

    [Fact]
    public void DaemonSet_Selector_MatchesTemplateLabelsAndEveryMountHasItsVolume()
    {
        var ds = M.Get("DaemonSet", "ciliuml7");
        var selector = Map(ds, "spec", "selector", "matchLabels");
        var labels = Map(ds, "spec", "template", "metadata", "labels");
        Assert.NotEmpty(selector);
        foreach (var (k, v) in selector)
        {
            Assert.Equal(v, labels.GetValueOrDefault(k));
        }
        var volumes = Seq(PodSpec, "volumes").Select(v => Str(v, "name")).ToHashSet();
        foreach (var c in Seq(PodSpec, "containers").Concat(Seq(PodSpec, "initContainers")))
        {
            Assert.False(string.IsNullOrEmpty(Str(c, "image")), Str(c, "name") + ": image");
            foreach (var m in Seq(c, "volumeMounts"))
            {
                Assert.Contains(Str(m, "name"), volumes);
                // Bidirectional propagation is only allowed to privileged containers or with SYS_ADMIN.
                if (Str(m, "mountPropagation") == "Bidirectional")
                {
                    Assert.True(Str(c, "securityContext", "privileged") == "true"
                        || Seq(c, "securityContext", "capabilities", "add").Any(a => ((YamlScalarNode)a).Value == "SYS_ADMIN"), $"{Str(c, "name")}: Bidirectional mount without SYS_ADMIN");
                }
            }
        }
        Assert.Equal(Str(M.Get("ServiceAccount", "ciliuml7"), "metadata", "name"), Str(PodSpec, "serviceAccountName"));
    }

    [Fact]
    public void DaemonSet_PodSpec_IsANodeAgentsSpec()
    {
        Assert.Equal("true", Str(PodSpec, "hostNetwork"));
        Assert.Equal("system-node-critical", Str(PodSpec, "priorityClassName"));
        Assert.Contains(Seq(PodSpec, "tolerations"), t => Str(t, "operator") == "Exists" && Str(t, "key") is null && Str(t, "effect") is null);
        Assert.Equal("RollingUpdate", Str(M.Get("DaemonSet", "ciliuml7"), "spec", "updateStrategy", "type"));
        var agent = Seq(PodSpec, "containers").Single(c => Str(c, "name") == "ciliuml7-agent");
        Assert.NotEqual("true", Str(agent, "securityContext", "privileged"));
        Assert.Equal(["ALL"], Seq(agent, "securityContext", "capabilities", "drop").Select(d => ((YamlScalarNode)d).Value));
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.Equal("127.0.0.1", Str(agent, probe, "httpGet", "host"));
            Assert.Equal("/healthz", Str(agent, probe, "httpGet", "path"));
            Assert.Equal("9879", Str(agent, probe, "httpGet", "port")); // the agent's --agent-health-port default
        }
        Assert.False(M.Get("ConfigMap", "ciliuml7-config") is var cm && Map(cm, "data").ContainsKey("agent-health-port"), "the probes assume the default health port");
        var mounts = Seq(agent, "volumeMounts").ToDictionary(m => Str(m, "mountPath")!);
        Assert.Equal("Bidirectional", Str(mounts["/sys/fs/bpf"], "mountPropagation"));
        Assert.Equal("/tmp/ciliuml7/config-map", Seq(agent, "args").Select(a => ((YamlScalarNode)a).Value!).Single(a => a.StartsWith("--config-dir=", StringComparison.Ordinal))["--config-dir=".Length..]);
        Assert.True(mounts.ContainsKey("/tmp/ciliuml7/config-map"));
    }

    [Fact]
    public void Services_Select_TheAgentPodsAndAPortTheyExpose()
    {
        var podLabels = Map(M.Get("DaemonSet", "ciliuml7"), "spec", "template", "metadata", "labels");
        var agent = Seq(PodSpec, "containers").Single(c => Str(c, "name") == "ciliuml7-agent");
        var ports = Seq(agent, "ports").SelectMany(p => new[] { Str(p, "name"), Str(p, "containerPort") }).ToHashSet();
        Assert.NotEmpty(M.OfKind("Service"));
        foreach (var svc in M.OfKind("Service"))
        {
            foreach (var (k, v) in Map(svc, "spec", "selector"))
            {
                Assert.Equal(v, podLabels.GetValueOrDefault(k));
            }
            foreach (var p in Seq(svc, "spec", "ports"))
            {
                Assert.Contains(Str(p, "targetPort") ?? Str(p, "port"), ports);
            }
        }
        Assert.Equal("Local", Str(M.Get("Service", "hubble-peer"), "spec", "internalTrafficPolicy"));
    }

    [Fact]
    public void Rbac_BindsTheRoleToTheServiceAccount_WithNamedVerbsOnly()
    {
        var binding = M.Get("ClusterRoleBinding", "ciliuml7");
        Assert.Equal("ciliuml7", Str(binding, "roleRef", "name"));
        var subject = Seq(binding, "subjects").Single();
        Assert.Equal(("ServiceAccount", "ciliuml7", Str(M.Get("ServiceAccount", "ciliuml7"), "metadata", "namespace")),
            (Str(subject, "kind"), Str(subject, "name"), Str(subject, "namespace")));
        var rules = Seq(M.Get("ClusterRole", "ciliuml7"), "rules");
        var granted = new HashSet<string>();
        foreach (var rule in rules)
        {
            foreach (var group in Seq(rule, "apiGroups"))
            {
                foreach (var resource in Seq(rule, "resources"))
                {
                    foreach (var verb in Seq(rule, "verbs"))
                    {
                        granted.Add($"{((YamlScalarNode)group).Value}/{((YamlScalarNode)resource).Value}:{((YamlScalarNode)verb).Value}");
                    }
                }
            }
        }
        Assert.DoesNotContain(granted, g => g.Contains('*', StringComparison.Ordinal));
        Assert.DoesNotContain(granted, g => g.Contains("secrets", StringComparison.Ordinal));
        // What the agent reads and writes, and nothing else.
        string[] expected =
        [
            "/pods:list", "/pods:watch", "/namespaces:list", "/namespaces:watch", "/services:list", "/services:watch", "/nodes:get", "/nodes:list", "/nodes:watch",
            "discovery.k8s.io/endpointslices:list", "discovery.k8s.io/endpointslices:watch",
            "networking.k8s.io/networkpolicies:list", "networking.k8s.io/networkpolicies:watch",
            "cilium.io/ciliumnetworkpolicies:list", "cilium.io/ciliumnetworkpolicies:watch",
            "cilium.io/ciliumclusterwidenetworkpolicies:list", "cilium.io/ciliumclusterwidenetworkpolicies:watch",
            "cilium.io/ciliumnetworkpolicies/status:patch", "cilium.io/ciliumclusterwidenetworkpolicies/status:patch",
        ];
        Assert.Equal(expected.Order(), granted.Order());
    }

    [Fact]
    public void Crds_Schemas_AreStructuralAndPreserveNoUnknownFields()
    {
        Assert.DoesNotContain("x-kubernetes-preserve-unknown-fields", M.Yaml, StringComparison.Ordinal);
        foreach (var (kind, plural, shortName) in new[] { ("CiliumNetworkPolicy", "ciliumnetworkpolicies", "cnp"), ("CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies", "ccnp") })
        {
            var crd = M.Get("CustomResourceDefinition", plural + ".cilium.io");
            Assert.Equal(kind, Str(crd, "spec", "names", "kind"));
            Assert.Contains(shortName, Seq(crd, "spec", "names", "shortNames").Select(s => ((YamlScalarNode)s).Value));
            var version = Seq(crd, "spec", "versions").Single();
            Assert.Equal("v2", Str(version, "name"));
            AssertTyped(Node(version, "schema", "openAPIV3Schema")!, "openAPIV3Schema");
        }
    }

    [Fact]
    public void Crds_CommittedFiles_AreWhatTheGeneratorWrites()
    {
        var dir = Directory.CreateTempSubdirectory("cl7-crds-").FullName;
        try
        {
            var psi = new ProcessStartInfo("python3", [RepoPaths.Combine("deploy", "kubernetes", "crds", "generate.py"), dir]) { RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
            foreach (var file in Directory.GetFiles(dir))
            {
                Assert.True(File.ReadAllText(file) == File.ReadAllText(RepoPaths.Combine("deploy", "kubernetes", "crds", Path.GetFileName(file))),
                    $"deploy/kubernetes/crds/{Path.GetFileName(file)} is stale: run python3 deploy/kubernetes/crds/generate.py");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("deathstar/sw_l3_l4_policy.yaml")]
    [InlineData("deathstar/sw_l3_l4_l7_policy.yaml")]
    [InlineData("fqdn/spaceship-to-empire-api.yaml")]
    [InlineData("kafka/empire-orders.yaml")]
    public void CnpSchema_ShippedExamples_AreAccepted(string example)
    {
        foreach (var doc in Documents(example))
        {
            Assert.Empty(SchemaCheck.Validate(doc, CnpSchema()));
        }
    }

    [Fact]
    public void CnpSchema_MisspelledField_IsAnUnknownFieldNotPruned()
    {
        var errors = Documents("deathstar/sw_policy_typo.yaml").SelectMany(d => SchemaCheck.Validate(d, CnpSchema())).ToList();

        Assert.Contains("unknown field \"spec.endpointSelector.matchLables\"", errors);
    }

    [Theory]
    [InlineData("spec:\n  endpointSelector: {}\n  ingress:\n  - toPorts:\n    - ports:\n      - port: \"80\"\n        protocol: TCPP\n", "spec.ingress[0].toPorts[0].ports[0].protocol: \"TCPP\" is not one of")]
    [InlineData("spec:\n  endpointSelector: {}\n  egress:\n  - toFQDNs:\n    - matchName: a.b\n      matchPatern: \"*.b\"\n", "unknown field \"spec.egress[0].toFQDNs[0].matchPatern\"")]
    [InlineData("spec:\n  endpointSelector: {}\n  ingressDeny:\n  - toPorts:\n    - ports:\n      - port: \"80\"\n      rules:\n        http:\n        - method: GET\n", "unknown field \"spec.ingressDeny[0].toPorts[0].rules\"")]
    [InlineData("spec:\n  endpointSelector: {}\n  enableDefaultDeny:\n    ingress: yes-please\n", "spec.enableDefaultDeny.ingress: must be true or false")]
    public void CnpSchema_BadFields_AreRefusedWithTheirPath(string body, string expected)
    {
        var doc = new YamlStream();
        doc.Load(new StringReader("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: x\n" + body));

        var errors = SchemaCheck.Validate(doc.Documents[0].RootNode, CnpSchema());

        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    private static YamlMappingNode CnpSchema() =>
        (YamlMappingNode)Node(Seq(M.Get("CustomResourceDefinition", "ciliumnetworkpolicies.cilium.io"), "spec", "versions").Single(), "schema", "openAPIV3Schema")!;

    private static IEnumerable<YamlNode> Documents(string example)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(RepoPaths.Combine("examples", example))));
        return stream.Documents.Select(d => d.RootNode);
    }

    private static void AssertTyped(YamlNode schema, string path)
    {
        Assert.True(Str(schema, "type") is not null || Str(schema, "x-kubernetes-int-or-string") == "true", path + ": no type (a structural schema types every node)");
        if (Node(schema, "properties") is YamlMappingNode props)
        {
            Assert.Null(Node(schema, "additionalProperties"));
            foreach (var (k, v) in props.Children)
            {
                AssertTyped(v, path + "." + ((YamlScalarNode)k).Value);
            }
        }
        if (Node(schema, "additionalProperties") is YamlMappingNode additional)
        {
            AssertTyped(additional, path + ".*");
        }
        if (Node(schema, "items") is { } items)
        {
            AssertTyped(items, path + "[]");
        }
    }
}
