namespace CiliumL7.Policy;

/// <summary>
/// The direction a policy applies to, seen from the endpoint it selects.
/// Values match Hubble's <c>TrafficDirection</c> enum (INGRESS 1, EGRESS 2).
/// </summary>
public enum TrafficDirection
{
    /// <summary>Traffic entering the selected endpoint.</summary>
    Ingress = 1,

    /// <summary>Traffic leaving the selected endpoint.</summary>
    Egress = 2,
}
