using CiliumL7.Agent.Policies;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Regeneration;

/// <summary>Turns the policies in force and the node's endpoints into per-endpoint datapath state.</summary>
internal interface IPolicyEngine
{
    /// <summary>Resolves; pure (no I/O), so a failure leaves the previous state in force.</summary>
    PolicyComputation Compute(IReadOnlyList<PolicyDocument> policies, IReadOnlyList<EndpointModel> endpoints);
}
