namespace CiliumL7.Proxy.Kafka;

/// <summary>Receives one record per request (the flow publisher and counters implement it).</summary>
public interface IKafkaRequestObserver
{
    /// <summary>Called once per request, on the connection's request loop; must not block.</summary>
    void OnRequest(in KafkaRequestRecord record);
}
