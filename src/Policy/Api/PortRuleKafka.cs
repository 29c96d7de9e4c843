namespace CiliumL7.Policy.Api;

/// <summary>One Kafka rule (the ≤v1.19 shape): <c>role</c> or <c>apiKey</c>, plus optional filters.</summary>
public sealed record PortRuleKafka
{
    /// <summary><c>role</c>: produce or consume.</summary>
    public string? Role { get; init; }

    /// <summary><c>apiKey</c>: a name (<c>produce</c>, <c>fetch</c>, ...) or number.</summary>
    public string? ApiKey { get; init; }

    /// <summary><c>apiVersion</c>.</summary>
    public string? ApiVersion { get; init; }

    /// <summary><c>clientID</c>.</summary>
    public string? ClientId { get; init; }

    /// <summary><c>topic</c>.</summary>
    public string? Topic { get; init; }
}
