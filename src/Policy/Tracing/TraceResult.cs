namespace CiliumL7.Policy.Tracing;

/// <summary>The outcome of a trace: both steps and the overall verdict.</summary>
public sealed record TraceResult
{
    /// <summary>The source identity (allocated for the trace).</summary>
    public required uint SourceIdentity { get; init; }

    /// <summary>The destination identity (allocated for the trace).</summary>
    public required uint DestinationIdentity { get; init; }

    /// <summary>The source's egress.</summary>
    public required TraceStep Egress { get; init; }

    /// <summary>The destination's ingress (null when egress already dropped or denied).</summary>
    public TraceStep? Ingress { get; init; }

    /// <summary>The overall verdict.</summary>
    public required TraceVerdict Verdict { get; init; }

    /// <summary>The audited step, if the verdict is <see cref="TraceVerdict.Audited"/>.</summary>
    public TraceStep? AuditedStep => Verdict != TraceVerdict.Audited ? null
        : Egress.Verdict == TraceVerdict.Audited ? Egress : Ingress;

    /// <summary>
    /// <c>verdict: ALLOWED</c> / <c>verdict: DROPPED</c> / <c>verdict: DENIED</c> /
    /// <c>verdict: AUDITED (would be DENIED by default/strict)</c>.
    /// </summary>
    public string VerdictLine => "verdict: " + Verdict.ToString().ToUpperInvariant()
        + (AuditedStep is { } a ? " (would be " + a.WouldBe.ToString()!.ToUpperInvariant() + " by " + string.Join(", ", a.AuditedBy) + ")" : "");
}
