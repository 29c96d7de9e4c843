namespace CiliumL7.Proxy.Flows;

/// <summary>Hubble's <c>Verdict</c> values the proxy uses.</summary>
public enum FlowVerdict
{
    /// <summary>Forwarded to the original destination.</summary>
    Forwarded = 1,

    /// <summary>Denied by policy (answered with 403).</summary>
    Dropped = 2,

    /// <summary>Rejected as malformed or ambiguous (answered with 400) before any policy decision.</summary>
    Error = 3,

    /// <summary>
    /// Forwarded only because the rules are in audit mode: enforced, it would have been refused
    /// (HTTP 403, DNS REFUSED, Kafka error 29; see <see cref="L7FlowEvent.AuditOutcome"/>).
    /// </summary>
    Audit = 4,
}
