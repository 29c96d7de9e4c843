namespace CiliumL7.Proxy;

/// <summary>The L7 parser a redirect is handled with (Cilium's <c>L7ParserType</c>).</summary>
public enum ProxyType
{
    /// <summary>HTTP/1.1, HTTP/2 cleartext, gRPC and WebSocket upgrades.</summary>
    Http = 1,

    /// <summary>DNS (not implemented by this proxy yet).</summary>
    Dns = 2,

    /// <summary>Kafka (not implemented by this proxy yet).</summary>
    Kafka = 3,
}
