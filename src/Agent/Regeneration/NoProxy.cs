using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Regeneration;

/// <summary>Proxy stand-in when the L7 proxy cannot run: redirects stay unserved (the datapath fails closed).</summary>
internal sealed class NoProxy : IProxyIntegration
{
    private readonly string _reason;

    public NoProxy(string reason) => _reason = reason;

    public void Prepare(PolicyComputation computation, IReadOnlyList<EndpointModel> endpoints)
    {
    }

    public int Finish(PolicyComputation computation) => 0;

    public ProxyStatusModel Status() => new() { State = "Disabled", Message = _reason };
}
