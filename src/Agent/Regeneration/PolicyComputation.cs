using CiliumL7.Client.Models;

namespace CiliumL7.Agent.Regeneration;

/// <summary>The outcome of one policy resolution: map state per endpoint, and the opaque engine snapshot the proxy needs.</summary>
internal sealed record PolicyComputation(IReadOnlyDictionary<int, BpfPolicyModel> Endpoints, object? Snapshot);
