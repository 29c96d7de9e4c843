namespace CiliumL7.Policy.Generation;

/// <summary>The L7 record an observed flow carries.</summary>
public enum ObservedL7Kind
{
    /// <summary>No L7 record (an L3/L4 event).</summary>
    None,

    /// <summary>An HTTP request.</summary>
    HttpRequest,

    /// <summary>A DNS query.</summary>
    DnsRequest,

    /// <summary>A DNS answer (its addresses tie names to world peers).</summary>
    DnsResponse,
}
