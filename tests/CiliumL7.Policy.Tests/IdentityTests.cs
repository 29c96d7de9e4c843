using System.Net;
using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Tests;

public sealed class IdentityTests
{
    [Theory]
    [InlineData("pod-template-hash", false)]
    [InlineData("controller-revision-hash", false)]
    [InlineData("io.kubernetes.pod.name", false)]
    [InlineData("kubernetes.io/hostname", false)]
    [InlineData("statefulset.kubernetes.io/pod-name", false)]
    [InlineData("io.kubernetes.pod.namespace", true)]
    [InlineData("app", true)]
    [InlineData("org", true)]
    [InlineData("app.kubernetes.io/name", true)]
    public void IsSecurityRelevant_K8sLabel_FiltersBookkeeping(string key, bool expected)
    {
        Assert.Equal(expected, SecurityLabels.IsSecurityRelevant(Label.K8s(key, "v")));
    }

    [Fact]
    public void Filter_TwoReplicas_ShareOneLabelSetAndIdentity()
    {
        var a = SecurityLabels.Filter([Label.K8s("app", "deathstar"), Label.K8s("pod-template-hash", "b4b8ccfb5"), Label.K8s(Label.NamespaceKey, "default")]);
        var b = SecurityLabels.Filter([Label.K8s(Label.NamespaceKey, "default"), Label.K8s("pod-template-hash", "f00"), Label.K8s("app", "deathstar")]);
        Assert.Equal(a, b);
        var alloc = new InMemoryIdentityAllocator();
        Assert.Equal(alloc.GetOrAllocate(a), alloc.GetOrAllocate(b));
    }

    [Fact]
    public void ToLabelKey_SortedWithTrailingSemicolons()
    {
        var set = LabelSet.FromK8s("default", [new("app", "foo")]);
        Assert.Equal("k8s:app=foo;k8s:io.kubernetes.pod.namespace=default;", set.ToLabelKey());
        Assert.Equal(set, LabelSet.Parse(set.ToLabelKey()));
        Assert.Equal("default", set.Namespace);
        Assert.Equal("k8s:app=foo", set[0].ToString());
    }

    [Fact]
    public void Allocator_StartsAt256_RestoresAndContinues()
    {
        var alloc = new InMemoryIdentityAllocator();
        var a = alloc.GetOrAllocate(LabelSet.Parse("k8s:app=a"));
        var b = alloc.GetOrAllocate(LabelSet.Parse("k8s:app=b"));
        Assert.Equal((256u, 257u), (a, b));
        var cidr = alloc.GetOrAllocateCidr(IPNetwork.Parse("10.0.0.0/8"));
        Assert.Equal(ReservedIdentity.FirstLocal, cidr);
        Assert.True(alloc.TryGetLabels(cidr, out var cidrLabels));
        Assert.Contains(cidrLabels, l => l.ToString() == "cidr:10.0.0.0/8");

        var restored = new InMemoryIdentityAllocator(alloc.All);
        Assert.Equal(a, restored.GetOrAllocate(LabelSet.Parse("k8s:app=a")));
        Assert.Equal(258u, restored.GetOrAllocate(LabelSet.Parse("k8s:app=c")));
        Assert.Equal(cidr, restored.GetOrAllocateCidr(IPNetwork.Parse("10.0.0.0/8")));
        Assert.Equal(cidr + 1, restored.GetOrAllocateCidr(IPNetwork.Parse("192.168.0.0/16")));
    }

    [Fact]
    public void Release_LastReference_ForgetsIdentity()
    {
        var alloc = new InMemoryIdentityAllocator();
        var labels = LabelSet.Parse("k8s:app=a");
        var id = alloc.GetOrAllocate(labels);
        alloc.GetOrAllocate(labels);
        Assert.True(alloc.Release(id));
        Assert.True(alloc.TryGetLabels(id, out _));
        Assert.True(alloc.Release(id));
        Assert.False(alloc.TryGetLabels(id, out _));
        Assert.False(alloc.Release(id));
    }

    [Theory]
    [InlineData(ReservedIdentity.Host, "reserved:host")]
    [InlineData(ReservedIdentity.World, "reserved:world")]
    [InlineData(ReservedIdentity.RemoteNode, "reserved:remote-node")]
    [InlineData(ReservedIdentity.Health, "reserved:health")]
    public void TryGetLabels_Reserved_ReturnsReservedLabel(uint id, string label)
    {
        Assert.True(new InMemoryIdentityAllocator().TryGetLabels(id, out var labels));
        Assert.Equal(label, Assert.Single(labels).ToString());
    }
}
