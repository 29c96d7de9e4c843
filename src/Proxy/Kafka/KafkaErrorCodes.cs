namespace CiliumL7.Proxy.Kafka;

/// <summary>Kafka error codes the proxy writes.</summary>
public static class KafkaErrorCodes
{
    /// <summary>No error.</summary>
    public const short None = 0;

    /// <summary>TOPIC_AUTHORIZATION_FAILED: the answer to every denied request.</summary>
    public const short TopicAuthorizationFailed = 29;
}
