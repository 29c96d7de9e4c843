using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Regeneration;

/// <summary>The agent's side of the embedded L7 proxy: redirects opened per (endpoint, direction, port), policy handed over.</summary>
internal interface IProxyIntegration
{
    /// <summary>Opens/closes listeners for the redirects in <paramref name="computation"/> and installs its snapshot; returns the number of redirects open.</summary>
    int Update(PolicyComputation computation, IReadOnlyList<EndpointModel> endpoints);

    /// <summary>For <c>status</c>.</summary>
    ProxyStatusModel Status();
}
