namespace CiliumL7.Policy.Resolution;

/// <summary>IP protocol numbers used in policy entries.</summary>
public static class Protocols
{
    /// <summary>Any protocol.</summary>
    public const byte Any = 0;

    /// <summary>ICMP.</summary>
    public const byte Icmp = 1;

    /// <summary>TCP.</summary>
    public const byte Tcp = 6;

    /// <summary>UDP.</summary>
    public const byte Udp = 17;

    /// <summary>ICMPv6.</summary>
    public const byte Icmpv6 = 58;

    /// <summary>SCTP.</summary>
    public const byte Sctp = 132;

    /// <summary>Parses TCP/UDP/SCTP/ICMP/ICMPv6/ANY (case-insensitive) or a number.</summary>
    public static bool TryParse(string text, out byte protocol)
    {
        switch (text.ToUpperInvariant())
        {
            case "TCP": protocol = Tcp; return true;
            case "UDP": protocol = Udp; return true;
            case "SCTP": protocol = Sctp; return true;
            case "ICMP": protocol = Icmp; return true;
            case "ICMPV6": protocol = Icmpv6; return true;
            case "ANY" or "": protocol = Any; return true;
            default: return byte.TryParse(text, out protocol);
        }
    }

    /// <summary>The name of a protocol number (e.g. <c>TCP</c>).</summary>
    public static string Name(byte protocol) => protocol switch
    {
        Any => "ANY",
        Tcp => "TCP",
        Udp => "UDP",
        Sctp => "SCTP",
        Icmp => "ICMP",
        Icmpv6 => "ICMPv6",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
