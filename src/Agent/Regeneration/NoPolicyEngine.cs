using System.Net;
using CiliumL7.Agent.Datapath;
using CiliumL7.Agent.Policies;
using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Regeneration;

/// <summary>Engine used when no resolver is available: nothing is enforced.</summary>
internal sealed class NoPolicyEngine : IPolicyEngine
{
    public PolicyComputation Compute(IReadOnlyList<PolicyDocument> policies, IReadOnlyList<EndpointModel> endpoints)
    {
        var map = new Dictionary<int, EndpointMapState>();
        foreach (var endpoint in endpoints)
        {
            map[endpoint.Id] = EndpointMapState.Empty(endpoint.Id);
        }
        return new PolicyComputation(map, [], new Dictionary<IPNetwork, uint>(), null);
    }
}
