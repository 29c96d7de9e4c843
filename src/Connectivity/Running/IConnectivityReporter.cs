namespace CiliumL7.Connectivity.Running;

/// <summary>Where a run reports its progress (the CLI's text output, or nothing for -o json).</summary>
public interface IConnectivityReporter
{
    /// <summary>A progress line (deployment, cleanup).</summary>
    void Info(string line);

    /// <summary>A test finished (or was skipped).</summary>
    void TestDone(TestResult result, int index, int total);
}
