using System.Globalization;

namespace CiliumL7.Proxy.Dns;

/// <summary>Record type names as Hubble writes them in <c>qtypes</c>/<c>rrtypes</c>.</summary>
internal static class DnsTypeNames
{
    private static readonly string[] Known = BuildTable();

    /// <summary>The name of <paramref name="type"/> (<c>A</c>, <c>AAAA</c>, …; <c>TYPE</c>n when unnamed).</summary>
    public static string Name(ushort type) =>
        type < Known.Length && Known[type] is { } name ? name : "TYPE" + type.ToString(CultureInfo.InvariantCulture);

    private static string[] BuildTable()
    {
        var t = new string[258];
        t[1] = "A";
        t[2] = "NS";
        t[5] = "CNAME";
        t[6] = "SOA";
        t[12] = "PTR";
        t[13] = "HINFO";
        t[15] = "MX";
        t[16] = "TXT";
        t[28] = "AAAA";
        t[33] = "SRV";
        t[35] = "NAPTR";
        t[39] = "DNAME";
        t[41] = "OPT";
        t[43] = "DS";
        t[46] = "RRSIG";
        t[47] = "NSEC";
        t[48] = "DNSKEY";
        t[64] = "SVCB";
        t[65] = "HTTPS";
        t[252] = "AXFR";
        t[255] = "ANY";
        t[257] = "CAA";
        return t;
    }
}
