namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>What <see cref="Http1RequestHead.TryParse"/> made of the buffered bytes.</summary>
internal enum HeadParseStatus
{
    /// <summary>A whole head the fast path handles; <see cref="Http1RequestHead.Length"/> bytes long, then <see cref="Http1RequestHead.BodyLength"/> bytes of body.</summary>
    Complete,

    /// <summary>No end of head yet (within the limits): more bytes are needed.</summary>
    Incomplete,

    /// <summary>Something the fast path leaves to Kestrel: a chunked body, <c>Expect</c>, an upgrade, a limit, anything unusual or malformed.</summary>
    HandOff,

    /// <summary>
    /// Framing two parsers could read differently that Kestrel would accept leniently and normalize
    /// (<c>Content-Length: +0</c>): the fast path answers 400 and closes (see <see cref="FramingRules"/>).
    /// </summary>
    Refused,
}
