namespace CiliumL7.Policy.Resolution;

/// <summary>The L7 protocol a redirect is parsed as.</summary>
public enum L7Parser : byte
{
    /// <summary>No L7 enforcement.</summary>
    None = 0,

    /// <summary>HTTP/1.1 and HTTP/2.</summary>
    Http = 1,

    /// <summary>DNS (UDP and TCP).</summary>
    Dns = 2,

    /// <summary>Kafka.</summary>
    Kafka = 3,
}
