using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Suites;

/// <summary>Every connectivity test, in run order. A new group is one <see cref="ITestSuite"/> file added here.</summary>
public static class TestCatalog
{
    private static readonly ITestSuite[] Suites =
    [
        new NoPolicySuite(),
        new L3L4Suite(),
        new DenySuite(),
        new EntityCidrSuite(),
        new L7HttpSuite(),
        new DnsSuite(),
        new KafkaSuite(),
    ];

    /// <summary>All tests (running and skipped).</summary>
    public static IReadOnlyList<ConnectivityTest> All() => [.. Suites.SelectMany(s => s.Tests)];
}
