namespace CiliumL7.Connectivity.Running;

/// <summary>The whole run: every test's result, in order.</summary>
public sealed record RunReport(IReadOnlyList<TestResult> Tests, TimeSpan Duration, bool Cancelled)
{
    /// <summary>Set when the run could not deploy its pods, service or world host.</summary>
    public string? Error { get; init; }

    public int Ran => Tests.Count(t => !t.Skipped);

    public int Skipped => Tests.Count(t => t.Skipped);

    public int Failed => Tests.Count(t => !t.Skipped && !t.Passed);

    public int ActionCount => Tests.Sum(t => t.Actions.Count);

    public int FailedActions => Tests.Sum(t => t.Actions.Count(a => !a.Passed));

    /// <summary>True when every test that ran passed (and at least one ran, and nothing was interrupted).</summary>
    public bool Success => !Cancelled && Error is null && Ran > 0 && Failed == 0;

    /// <summary>cilium-cli's last line.</summary>
    public string Summary => Success
        ? $"✅ All {Ran} tests ({ActionCount} actions) successful, {Skipped} tests skipped"
        : Error is not null ? $"❌ {Error}"
        : $"❌ {Failed}/{Ran} tests failed ({FailedActions}/{ActionCount} actions), {Skipped} tests skipped" + (Cancelled ? " (interrupted)" : "");
}
