using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Regeneration;

/// <summary>
/// The agent's side of the embedded L7 proxy. A regeneration calls
/// <see cref="Prepare"/> before the policy maps are written (new listeners are
/// open and the new policy installed before any packet is redirected to them)
/// and <see cref="Finish"/> after (listeners no entry points at are closed).
/// </summary>
internal interface IProxyIntegration
{
    /// <summary>Installs the computation's policy snapshot and opens its new redirects.</summary>
    void Prepare(PolicyComputation computation, IReadOnlyList<EndpointModel> endpoints);

    /// <summary>Closes redirects the computation no longer has; returns the number open.</summary>
    int Finish(PolicyComputation computation);

    /// <summary>For <c>status</c>.</summary>
    ProxyStatusModel Status();
}
