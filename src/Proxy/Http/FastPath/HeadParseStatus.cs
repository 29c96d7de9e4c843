namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>What <see cref="Http1RequestHead.TryParse"/> made of the buffered bytes.</summary>
internal enum HeadParseStatus
{
    /// <summary>A whole head the fast path handles; <see cref="Http1RequestHead.Length"/> bytes long.</summary>
    Complete,

    /// <summary>No end of head yet (within the limits): more bytes are needed.</summary>
    Incomplete,

    /// <summary>Something the fast path leaves to Kestrel: a body, an upgrade, a limit, anything unusual or malformed.</summary>
    HandOff,
}
