using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Suites;

/// <summary>A group of connectivity tests; one file per group (adding DNS or Kafka tests is one file).</summary>
public interface ITestSuite
{
    /// <summary>The tests, in the order they run.</summary>
    IEnumerable<ConnectivityTest> Tests { get; }
}
