namespace CiliumL7.Policy.Identity;

/// <summary>Cilium's reserved numeric identities and the bounds of allocation.</summary>
public static class ReservedIdentity
{
    /// <summary>Unknown peer (also: "any" in policy keys).</summary>
    public const uint Unknown = 0;

    /// <summary>The local host.</summary>
    public const uint Host = 1;

    /// <summary>Anything outside the cluster.</summary>
    public const uint World = 2;

    /// <summary>Pods not managed by Cilium.</summary>
    public const uint Unmanaged = 3;

    /// <summary>Health-check endpoints.</summary>
    public const uint Health = 4;

    /// <summary>Endpoints whose labels are not known yet.</summary>
    public const uint Init = 5;

    /// <summary>Other nodes of the cluster.</summary>
    public const uint RemoteNode = 6;

    /// <summary>The Kubernetes API server.</summary>
    public const uint KubeApiServer = 7;

    /// <summary>The ingress proxy.</summary>
    public const uint Ingress = 8;

    /// <summary>The IPv4 world.</summary>
    public const uint WorldIpv4 = 9;

    /// <summary>The IPv6 world.</summary>
    public const uint WorldIpv6 = 10;

    /// <summary>First identity handed to a label set.</summary>
    public const uint FirstAllocatable = 256;

    /// <summary>Last cluster-scoped identity (identities are 24 bits; 0x01000000 and up are local).</summary>
    public const uint LastAllocatable = 0x00FFFFFF;

    /// <summary>First node-local CIDR/FQDN identity.</summary>
    public const uint FirstLocal = 0x01000001;

    /// <summary>Last node-local CIDR/FQDN identity.</summary>
    public const uint LastLocal = 0x01FFFFFF;

    /// <summary>The reserved names by identity (<c>host</c>, <c>world</c>, ...).</summary>
    public static IReadOnlyDictionary<uint, string> Names { get; } = new Dictionary<uint, string>
    {
        [Host] = "host",
        [World] = "world",
        [Unmanaged] = "unmanaged",
        [Health] = "health",
        [Init] = "init",
        [RemoteNode] = "remote-node",
        [KubeApiServer] = "kube-apiserver",
        [Ingress] = "ingress",
        [WorldIpv4] = "world-ipv4",
        [WorldIpv6] = "world-ipv6",
    };

    /// <summary>True for 1..255 (reserved range).</summary>
    public static bool IsReserved(uint id) => id is > 0 and < FirstAllocatable;

    /// <summary>True for node-local CIDR/FQDN identities.</summary>
    public static bool IsLocal(uint id) => id is >= FirstLocal and <= LastLocal;

    /// <summary>The label set of a reserved identity: <c>reserved:NAME</c>.</summary>
    public static LabelSet LabelsOf(uint id) =>
        Names.TryGetValue(id, out var name) ? new LabelSet([Label.Reserved(name)]) : LabelSet.Empty;
}
