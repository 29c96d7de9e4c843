namespace CiliumL7.Proxy.Http;

/// <summary>Why a request was refused with 400 before any policy decision.</summary>
internal enum CanonicalizeError
{
    None = 0,
    UnsupportedTargetForm,
    Fragment,
    InvalidCharacter,
    Backslash,
    PathParameter,
    BadPercentEncoding,
    EncodedSeparator,
    EncodedNul,
    EncodedControl,
    InvalidUtf8,
    DoubleEncoding,
    DotSegment,
    EmptySegment,
    HostMismatch,
    InvalidHost,
    MultipleHost,
    MissingHost,
    ContentLengthWithTransferEncoding,
    InvalidContentLength,
    InvalidTransferEncoding,
    TransferEncodingNotAllowed,
    InvalidHeaderName,
    InvalidHeaderValue,
    UnsupportedMethod,
}
