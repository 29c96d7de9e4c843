using System.Globalization;
using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Running;

/// <summary>The curl command line of an action (cilium-cli's flags: --fail, timeouts, a pinned source port).</summary>
internal static class CurlCommand
{
    /// <summary>curl's exit code for a timeout (a dropped SYN).</summary>
    public const int ExitTimeout = 28;

    /// <summary>curl --fail's exit code for an HTTP error status (a 403 from the proxy).</summary>
    public const int ExitHttpError = 22;

    public static List<string> Build(string? netns, string ip, TestAction action, int localPort, ConnectivityOptions options)
    {
        var args = new List<string>();
        if (netns is not null)
        {
            args.AddRange(["ip", "netns", "exec", netns]);
        }
        args.AddRange([
            "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--fail",
            "--connect-timeout", Seconds(options.ConnectTimeout), "--max-time", Seconds(options.RequestTimeout),
            "--local-port", localPort.ToString(CultureInfo.InvariantCulture),
            "-X", action.Request.Method,
        ]);
        foreach (var header in action.Request.Headers)
        {
            args.AddRange(["-H", header]);
        }
        args.Add($"http://{ip}:{action.Port.ToString(CultureInfo.InvariantCulture)}{action.Request.Path}");
        return args;
    }

    /// <summary>The exit code the expectation implies.</summary>
    public static int ExpectedExit(Expect expect) => expect switch
    {
        Expect.Allowed or Expect.AllowedByPolicy or Expect.AllowedL7 => 0,
        Expect.DroppedDefaultDeny or Expect.DroppedDenyRule => ExitTimeout,
        Expect.L7Denied => ExitHttpError,
        Expect.DnsAnswered or Expect.DnsRefused or Expect.KafkaAllowed or Expect.KafkaDenied =>
            throw new ArgumentOutOfRangeException(nameof(expect), expect, "not an expectation of an HTTP action"),
        _ => throw new ArgumentOutOfRangeException(nameof(expect), expect, "unknown expectation"),
    };

    public static string Describe(Expect expect) => expect switch
    {
        Expect.Allowed or Expect.AllowedByPolicy => "exit 0 (connected, HTTP 200)",
        Expect.AllowedL7 => "exit 0 (HTTP 200 through the L7 proxy)",
        Expect.DroppedDefaultDeny => "exit 28 (timeout: SYN dropped by default deny)",
        Expect.DroppedDenyRule => "exit 28 (timeout: SYN dropped by a deny rule)",
        Expect.L7Denied => "exit 22 (HTTP 403 Access denied from the L7 proxy)",
        Expect.DnsAnswered => "dig status NOERROR (answered through the DNS proxy)",
        Expect.DnsRefused => "dig status REFUSED (refused by the DNS proxy)",
        Expect.KafkaAllowed => "kcat exit 0 (through the Kafka proxy)",
        Expect.KafkaDenied => "kcat: Topic authorization failed (error 29 from the Kafka proxy)",
        _ => throw new ArgumentOutOfRangeException(nameof(expect), expect, "unknown expectation"),
    };

    private static string Seconds(TimeSpan t) => Math.Max(0.1, t.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
}
