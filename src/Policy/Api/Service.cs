namespace CiliumL7.Policy.Api;

/// <summary>One <c>toServices</c> item: a service by name or by label selector.</summary>
public sealed record Service
{
    /// <summary><c>k8sService.serviceName</c>.</summary>
    public string? ServiceName { get; init; }

    /// <summary><c>k8sService.namespace</c> or <c>k8sServiceSelector.namespace</c>.</summary>
    public string? Namespace { get; init; }

    /// <summary><c>k8sServiceSelector.selector</c>.</summary>
    public EndpointSelector? Selector { get; init; }
}
