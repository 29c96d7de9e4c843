using CiliumL7.Agent.Identity;

namespace CiliumL7.Agent.Tests.Unit;

public sealed class EndpointLabelsTests
{
    [Fact]
    public void Normalize_PlainLabels_GetK8sSourceAndNamespaceLabel()
    {
        var labels = EndpointLabels.Normalize(["org=empire", "any:x=y", "k8s:io.kubernetes.pod.namespace=spoofed"], "prod");

        Assert.Equal(["any:x=y", "k8s:io.kubernetes.pod.namespace=prod", "k8s:org=empire"], labels);
    }

    [Theory]
    [InlineData("k8s:pod-template-hash=abc", false)]
    [InlineData("k8s:controller-revision-hash=1", false)]
    [InlineData("k8s:io.kubernetes.pod.name=x", false)]
    [InlineData("k8s:kubernetes.io/hostname=n", false)]
    [InlineData("k8s:io.kubernetes.pod.namespace=default", true)]
    [InlineData("k8s:app=web", true)]
    public void SecurityRelevant_Label_FiltersLikeCilium(string label, bool kept)
    {
        Assert.Equal(kept, EndpointLabels.SecurityRelevant([label]).Count == 1);
    }

    [Fact]
    public void Key_SortedLabels_IsCiliumLabelKeyString()
    {
        Assert.Equal("k8s:app=foo;k8s:io.kubernetes.pod.namespace=default;", EndpointLabels.Key(["k8s:app=foo", "k8s:io.kubernetes.pod.namespace=default"]));
    }
}
