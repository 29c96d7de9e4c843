namespace CiliumL7.Cni;

/// <summary>A failure reported to the runtime as CNI error JSON (<c>{"cniVersion","code","msg","details"}</c>).</summary>
internal sealed class CniException : Exception
{
    /// <summary>CNI 1.0 well-known codes (1..11), plugin codes from 100.</summary>
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int ContainerUnknown = 3;
    public const int InvalidEnvironment = 4;
    public const int IoFailure = 5;
    public const int DecodeFailure = 6;
    public const int InvalidConfig = 7;
    public const int TryAgainLater = 11;
    public const int AgentError = 100;
    public const int NetlinkError = 101;
    public const int CheckFailed = 102;
    public const int Internal = 103;

    public CniException(int code, string message, string? details = null)
        : base(message)
    {
        Code = code;
        Details = details;
    }

    public int Code { get; }

    public string? Details { get; }
}
