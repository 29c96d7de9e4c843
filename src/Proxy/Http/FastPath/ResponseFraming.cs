namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>How the end of an upstream response body is found (RFC 9112 §6.3).</summary>
internal enum ResponseFraming
{
    /// <summary>No body: HEAD, 1xx, 204, 304, or <c>Content-Length: 0</c>.</summary>
    None,

    /// <summary><c>Content-Length</c> bytes.</summary>
    Length,

    /// <summary><c>Transfer-Encoding: chunked</c>, forwarded as is up to the last chunk and trailers.</summary>
    Chunked,

    /// <summary>Until the upstream closes (then the client connection closes too).</summary>
    UntilClose,
}
