namespace CiliumL7.Policy.Api;

/// <summary>One ICMP type.</summary>
public sealed record IcmpField
{
    /// <summary><c>family</c>: IPv4 (default) or IPv6.</summary>
    public string Family { get; init; } = "IPv4";

    /// <summary><c>type</c>: the numeric ICMP type (names are converted by the parser).</summary>
    public int Type { get; init; }
}
