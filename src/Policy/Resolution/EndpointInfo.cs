using CiliumL7.Policy.Identity;

namespace CiliumL7.Policy.Resolution;

/// <summary>A local endpoint as the resolver sees it.</summary>
/// <param name="Id">The endpoint id.</param>
/// <param name="Namespace">The pod namespace.</param>
/// <param name="Name">The pod name.</param>
/// <param name="Labels">Its security-relevant labels, including <c>k8s:io.kubernetes.pod.namespace</c>.</param>
/// <param name="Identity">Its numeric identity (allocated for <paramref name="Labels"/>).</param>
public sealed record EndpointInfo(uint Id, string Namespace, string Name, LabelSet Labels, uint Identity)
{
    /// <summary>
    /// Audit every policy of this endpoint (<c>endpoint config ID audit=on</c>,
    /// or the agent's <c>--policy-audit-mode</c>): evaluated, never dropped.
    /// </summary>
    public bool Audit { get; init; }
}
