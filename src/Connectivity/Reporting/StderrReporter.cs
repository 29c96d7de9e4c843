using CiliumL7.Connectivity.Running;

namespace CiliumL7.Connectivity.Reporting;

/// <summary>Progress to stderr only (for <c>-o json</c>, whose stdout is the JSON report).</summary>
public sealed class StderrReporter : IConnectivityReporter
{
    private readonly TextReporter _inner = new(Console.Error, verbose: false);

    public void Info(string line) => _inner.Info(line);

    public void TestDone(TestResult result, int index, int total) => _inner.TestDone(result, index, total);
}
