using CiliumL7.Agent.Policies;
using CiliumL7.Policy.Api;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class YamlDocumentsTests
{
    private const string Two = """
        # leading comment
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: one   # kept
        spec:
          endpointSelector:
            matchLabels:
              app: a
          ingress:
          - toPorts:
            - ports:
              - port: "80"
              rules:
                http:
                - path: '/v1/[a-z]+'
        ---
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: two, namespace: ns2}
        spec:
          endpointSelector: {matchLabels: {app: b}}
          egress:
          - toEndpoints: [{matchLabels: {app: c}}]
        ...

        """;

    [Theory]
    [InlineData(Two)]
    [InlineData("---\n  apiVersion: cilium.io/v2\n  kind: CiliumNetworkPolicy\n  metadata:\n    name: one\n  spec:\n    endpointSelector: {}\n---\n{\"apiVersion\": \"cilium.io/v2\", \"kind\": \"CiliumNetworkPolicy\", \"metadata\": {\"name\": \"two\", \"namespace\": \"ns2\"}, \"spec\": {\"endpointSelector\": {}}}\n")]
    [InlineData("%YAML 1.2\n---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: one\nspec:\n  endpointSelector: {}\n---\napiVersion: cilium.io/v2\nkind: !!str CiliumNetworkPolicy\nmetadata:\n  name: two\n  namespace: ns2\nspec:\n  endpointSelector: {}\n")]
    public void Split_EachResourceText_ReadsAloneAsTheSameResource(string text)
    {
        var (documents, errors) = YamlDocuments.Split(text, "two.yaml");

        Assert.Empty(errors);
        Assert.Equal(["one", "two"], documents.Select(d => d.Document.Name));
        foreach (var (document, root) in documents)
        {
            var fromTree = PolicyParser.ParseDocument(root, "two.yaml");
            var alone = PolicyParser.ParseText(document.Yaml, "two.yaml");
            Assert.Empty(alone.Errors);
            var resource = Assert.Single(alone.Resources);
            Assert.Equal(Assert.Single(fromTree.Resources).Name, resource.Name);
            Assert.Equal(Assert.Single(fromTree.Resources).Namespace, resource.Namespace);
            Assert.Equal(fromTree.Resources[0].Rules.Count, resource.Rules.Count);
            Assert.DoesNotContain("---", document.Yaml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Split_PlainDocument_KeepsTheTextAsWritten()
    {
        var (documents, _) = YamlDocuments.Split(Two, "two.yaml");

        Assert.Contains("name: one   # kept", documents[0].Document.Yaml, StringComparison.Ordinal);
        Assert.StartsWith("apiVersion: cilium.io/v2", documents[0].Document.Yaml, StringComparison.Ordinal);
        Assert.EndsWith("egress:\n  - toEndpoints: [{matchLabels: {app: c}}]\n", documents[1].Document.Yaml, StringComparison.Ordinal);
    }
}
