using CiliumL7.Policy.Resolution;

namespace CiliumL7.Policy.Tracing;

/// <summary>One side of a trace: the source's egress or the destination's ingress.</summary>
public sealed record TraceStep
{
    /// <summary>Egress (of the source) or ingress (of the destination).</summary>
    public required TrafficDirection Direction { get; init; }

    /// <summary>True when some rule selects the endpoint in this direction (default deny).</summary>
    public required bool Enforced { get; init; }

    /// <summary>The policies whose rules select the endpoint (<c>ns/name</c>).</summary>
    public required IReadOnlyList<string> SelectedBy { get; init; }

    /// <summary>The deciding L3/L4 entry, or null when none matched.</summary>
    public L4PolicyEntry? Entry { get; init; }

    /// <summary>The L7 parser that judged the request, if redirected.</summary>
    public L7Parser Parser { get; init; }

    /// <summary>True when the L7 rules allowed the request (only meaningful when redirected).</summary>
    public bool L7Allowed { get; init; }

    /// <summary>The L7 rule (field path) that allowed the request, if any.</summary>
    public string? L7RulePath { get; init; }

    /// <summary>The policy named by the L7 decision.</summary>
    public string? L7PolicyName { get; init; }

    /// <summary>For <see cref="TraceVerdict.Audited"/>: what enforcing would have done (Dropped or Denied).</summary>
    public TraceVerdict? WouldBe { get; init; }

    /// <summary>For <see cref="TraceVerdict.Audited"/>: the audited policies that would have decided.</summary>
    public IReadOnlyList<string> AuditedBy { get; init; } = [];

    /// <summary>This step's outcome.</summary>
    public required TraceVerdict Verdict { get; init; }

    /// <summary>Human-readable explanation lines.</summary>
    public required IReadOnlyList<string> Lines { get; init; }
}
