using System.Diagnostics;

namespace CiliumL7.Proxy.Tests.Dns;

/// <summary>The real dig (dnsutils) against a proxy port on 127.0.0.1.</summary>
internal static class Dig
{
    /// <summary>Runs dig; returns its full output (header with status and flags, answer section).</summary>
    public static string Query(int port, string name, string type = "A", bool tcp = false, params string[] extra)
    {
        var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), name, type, "+tries=1", "+time=5", tcp ? "+tcp" : "+notcp" }.Concat(extra))
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20_000))
        {
            process.Kill();
            throw new TimeoutException($"dig {name} did not finish");
        }
        return stdout.Result + stderr.Result;
    }

    /// <summary>The status dig printed (NOERROR, REFUSED, SERVFAIL, NXDOMAIN …), or "" when it got no answer.</summary>
    public static string Status(string output)
    {
        var at = output.IndexOf("status: ", StringComparison.Ordinal);
        if (at < 0)
        {
            return "";
        }
        var end = output.IndexOf(',', at);
        return output[(at + 8)..end];
    }
}
