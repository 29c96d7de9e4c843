using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Running;

/// <summary>A test's outcome: its actions' results, or why it was skipped or could not run.</summary>
public sealed record TestResult
{
    public required ConnectivityTest Test { get; init; }

    public IReadOnlyList<ActionResult> Actions { get; init; } = [];

    /// <summary>Set when the test could not run its actions (e.g. its policy was not applied).</summary>
    public string? Error { get; init; }

    public string? SkipReason { get; init; }

    public TimeSpan Duration { get; init; }

    public bool Skipped => SkipReason is not null;

    public bool Passed => !Skipped && Error is null && Actions.All(a => a.Passed);
}
