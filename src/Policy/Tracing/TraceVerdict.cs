namespace CiliumL7.Policy.Tracing;

/// <summary>The outcome of a trace, as the last line of <c>policy trace</c> prints it.</summary>
public enum TraceVerdict
{
    /// <summary>Allowed end to end (<c>verdict: ALLOWED</c>).</summary>
    Allowed,

    /// <summary>Refused at L3/L4: the packet is dropped (<c>verdict: DROPPED</c>).</summary>
    Dropped,

    /// <summary>Allowed at L3/L4, refused at L7: 403 / REFUSED / Kafka error 29 (<c>verdict: DENIED</c>).</summary>
    Denied,

    /// <summary>
    /// Let through because the deciding policies are in audit mode, and reported
    /// as AUDIT (<c>verdict: AUDITED (would be DENIED by ns/name)</c>).
    /// </summary>
    Audited,
}
