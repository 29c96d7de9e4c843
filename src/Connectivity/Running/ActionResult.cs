using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Running;

/// <summary>What one action did: the command, curl's exit code and HTTP status, the flows seen, and what went wrong.</summary>
public sealed record ActionResult
{
    public required TestAction Action { get; init; }

    /// <summary>The command line, as a user would type it to reproduce.</summary>
    public required string Command { get; init; }

    public int ExitCode { get; init; }

    /// <summary>The HTTP status curl saw (0: none).</summary>
    public int HttpCode { get; init; }

    /// <summary>Compact lines of the flows Hubble showed for this connection.</summary>
    public IReadOnlyList<string> Flows { get; init; } = [];

    /// <summary>Why the action failed (empty: it passed).</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    /// <summary>Flow mismatches reported as warnings (<c>--flow-validation warning</c>).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public TimeSpan Duration { get; init; }

    public bool Passed => Failures.Count == 0;
}
