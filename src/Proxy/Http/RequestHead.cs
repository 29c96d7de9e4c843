using System.Buffers;
using CiliumL7.Proxy.Flows;
using Microsoft.Extensions.Primitives;

namespace CiliumL7.Proxy.Http;

/// <summary>
/// A request head as one of the HTTP front ends parsed it: Kestrel
/// (<see cref="KestrelRequestHead"/>) or the HTTP/1.1 fast path
/// (<see cref="FastPath.Http1RequestHead"/>). <see cref="ProxyRequestContext"/>
/// canonicalizes and judges every request through this one view, so both
/// front ends apply exactly the same rules.
/// </summary>
internal abstract class RequestHead
{
    // Header values: HTAB, visible ASCII and obs-text; anything else (CTLs, DEL) is refused.
    private static readonly SearchValues<char> HeaderValueChars = SearchValues.Create(BuildHeaderValueChars());

    /// <summary>The method token as sent.</summary>
    public abstract string Method { get; }

    /// <summary><c>HTTP/1.1</c>, <c>HTTP/1.0</c> or <c>HTTP/2</c>.</summary>
    public abstract string Protocol { get; }

    /// <summary>The request target as sent (before canonicalization).</summary>
    public abstract string RawTarget { get; }

    /// <summary>Number of header fields (a field repeated counts each time).</summary>
    public abstract int HeaderCount { get; }

    /// <summary>
    /// True when every header field is the very same string as in the previous
    /// request this head parsed (so checks and flow headers of that request still hold).
    /// </summary>
    public virtual bool SameFieldsAsPrevious => false;

    /// <summary>The <c>:protocol</c> of an HTTP/2 extended CONNECT (RFC 8441), e.g. <c>websocket</c>; null otherwise.</summary>
    public virtual string? ConnectProtocol => null;

    /// <summary>Every value of header <paramref name="name"/> (case-insensitive); empty when absent.</summary>
    public abstract StringValues this[string name] { get; }

    /// <summary>
    /// Checks every header value (<see cref="IsValidHeaderValue"/>) and, when
    /// <paramref name="flowHeaders"/> is not null, copies each field into it
    /// (value <c>HIDDEN</c> when <paramref name="redact"/>). False on the first invalid value.
    /// </summary>
    public abstract bool CheckHeaders(List<KeyValuePair<string, string>>? flowHeaders, bool redact);

    /// <summary>HTAB, visible ASCII and obs-text only.</summary>
    public static bool IsValidHeaderValue(string? value) => value is null || !value.AsSpan().ContainsAnyExcept(HeaderValueChars);

    /// <summary>Appends one field to the flow headers, redacted when asked.</summary>
    protected static void AddFlowHeader(List<KeyValuePair<string, string>>? flowHeaders, string name, string? value, bool redact) =>
        flowHeaders?.Add(new(name, redact ? "HIDDEN" : value ?? string.Empty));

    private static string BuildHeaderValueChars()
    {
        var chars = new char[1 + 95 + 128];
        var n = 0;
        chars[n++] = '\t';
        for (var c = 0x20; c <= 0x7E; c++)
        {
            chars[n++] = (char)c;
        }
        for (var c = 0x80; c <= 0xFF; c++)
        {
            chars[n++] = (char)c;
        }
        return new string(chars, 0, n);
    }
}
