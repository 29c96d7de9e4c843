namespace CiliumL7.Client.Models;

/// <summary>One proxy redirect: traffic of an endpoint on a port steered into a listener.</summary>
public sealed record ProxyRedirectModel
{
    /// <summary>Endpoint id.</summary>
    public required int EndpointId { get; init; }

    /// <summary><c>ingress</c> or <c>egress</c>.</summary>
    public required string Direction { get; init; }

    /// <summary>Destination port the rules apply to.</summary>
    public required int Port { get; init; }

    /// <summary>L7 parser (<c>http</c>, <c>dns</c>, <c>kafka</c>).</summary>
    public required string Parser { get; init; }

    /// <summary><c>TCP</c> or <c>UDP</c>.</summary>
    public string Protocol { get; init; } = "TCP";

    /// <summary>Port of the transparent listener.</summary>
    public required int ProxyPort { get; init; }
}
