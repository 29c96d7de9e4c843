namespace CiliumL7.Policy.L7;

/// <summary>
/// What the HTTP rule matcher may look at in one request. The proxy implements
/// it over its parsed request; every value is already canonical (see
/// ARCHITECTURE.md, "canonical request"), so the matcher judges exactly the
/// bytes that will be forwarded.
/// </summary>
public interface IHttpRequestFacts
{
    /// <summary>The method token as sent (methods are case-sensitive), e.g. <c>GET</c>.</summary>
    string Method { get; }

    /// <summary>The canonical origin-form target: path plus <c>?query</c> when present.</summary>
    string PathAndQuery { get; }

    /// <summary>The host, lower-cased, without port and without a trailing dot; empty when absent.</summary>
    string Host { get; }

    /// <summary>
    /// The value of a header (name compared case-insensitively). Several
    /// fields of one name are joined with <c>","</c>. False when absent.
    /// </summary>
    bool TryGetHeader(string name, out string value);
}
