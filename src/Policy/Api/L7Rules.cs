namespace CiliumL7.Policy.Api;

/// <summary><c>rules</c>: exactly one of <c>http</c>, <c>dns</c>, <c>kafka</c>.</summary>
public sealed record L7Rules
{
    /// <summary><c>http</c>.</summary>
    public IReadOnlyList<PortRuleHttp>? Http { get; init; }

    /// <summary><c>dns</c>.</summary>
    public IReadOnlyList<PortRuleDns>? Dns { get; init; }

    /// <summary><c>kafka</c>.</summary>
    public IReadOnlyList<PortRuleKafka>? Kafka { get; init; }
}
