using System.Globalization;
using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Running;

/// <summary>The dig command line of a DNS action (one try, a pinned source port) and how its answer is read.</summary>
internal static class DigCommand
{
    public static List<string> Build(string netns, string sourceIp, string server, DnsQuerySpec query, int localPort, ConnectivityOptions options) =>
    [
        "ip", "netns", "exec", netns,
        "dig", "@" + server, "-b", sourceIp + "#" + localPort.ToString(CultureInfo.InvariantCulture), query.Name, "A",
        "+tries=1", "+time=" + Math.Max(1, (int)Math.Ceiling(options.RequestTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>The status of dig's answer (NOERROR, REFUSED, NXDOMAIN, …); null when dig printed none (no answer).</summary>
    public static string? Status(string output)
    {
        var at = output.IndexOf("status: ", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var end = output.IndexOf(',', at);
        return end < 0 ? null : output[(at + 8)..end];
    }
}
