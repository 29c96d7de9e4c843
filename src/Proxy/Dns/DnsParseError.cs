namespace CiliumL7.Proxy.Dns;

/// <summary>Why a DNS message was not understood (it is then never forwarded).</summary>
internal enum DnsParseError
{
    /// <summary>Parsed.</summary>
    None = 0,

    /// <summary>Shorter than a header, or a section runs past the end (a count that lies, a cut record).</summary>
    Truncated,

    /// <summary>A name: a label over 63 bytes, a name over 255, a reserved label type, a pointer that does not point strictly backwards.</summary>
    BadName,

    /// <summary>Bytes after the last record the counts announce.</summary>
    TrailingBytes,

    /// <summary>A query that is not a standard query with exactly one question (or is a response).</summary>
    NotAQuery,

    /// <summary>More than one OPT record, or an OPT record not at the root.</summary>
    BadEdns,

    /// <summary>More records than the parser accepts.</summary>
    TooManyRecords,
}
