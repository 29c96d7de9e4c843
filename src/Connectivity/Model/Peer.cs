namespace CiliumL7.Connectivity.Model;

/// <summary>The parties of a connectivity action: the test pods, the echo service VIP, the world host and the node.</summary>
public enum Peer
{
    /// <summary>Pod <c>client</c> (kind=client, name=client).</summary>
    Client,

    /// <summary>Pod <c>client2</c> (kind=client, name=client2, other=client).</summary>
    Client2,

    /// <summary>Pod <c>echo-same-node</c> (kind=echo, name=echo-same-node).</summary>
    Echo,

    /// <summary>The <c>echo-same-node</c> service VIP (backend: the echo pod).</summary>
    EchoService,

    /// <summary>The first world address (198.51.100.10), a host outside the node in its own namespace.</summary>
    World,

    /// <summary>The second world address (198.51.100.11), on the same world host.</summary>
    World2,

    /// <summary>The world's DNS server (198.51.100.53, dnsmasq on the world host), answering the test names.</summary>
    WorldDns,

    /// <summary>Pod <c>kafka</c> (kind=kafka, name=kafka): a Kafka broker (librdkafka's mock cluster) on port 9092.</summary>
    Kafka,

    /// <summary>An echo pod on another node of the cluster (only when the agent's cluster has one).</summary>
    EchoOtherNode,

    /// <summary>The node itself (the namespace the CLI runs in).</summary>
    Host,
}
