namespace CiliumL7.Connectivity.Model;

/// <summary>The ports every echo server (pods and world) listens on.</summary>
public static class TestPorts
{
    /// <summary>The port policies allow (and L7 rules inspect).</summary>
    public const int Http = 8080;

    /// <summary>A second port, for port-scoped rules.</summary>
    public const int Other = 9090;

    /// <summary>The test Kafka broker's port (in the broker pod).</summary>
    public const int Kafka = 9092;
}
