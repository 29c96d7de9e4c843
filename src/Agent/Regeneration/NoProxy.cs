using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Regeneration;

/// <summary>Proxy stand-in when the L7 proxy is not part of the build.</summary>
internal sealed class NoProxy : IProxyIntegration
{
    public int Update(PolicyComputation computation, IReadOnlyList<EndpointModel> endpoints) => 0;

    public ProxyStatusModel Status() => new() { State = "Disabled", Message = "L7 proxy not built into this agent" };
}
