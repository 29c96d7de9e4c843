using System.Globalization;
using CiliumL7.Connectivity.Model;

namespace CiliumL7.Connectivity.Running;

/// <summary>The kcat command line of a Kafka action (librdkafka's client) and the message it produces.</summary>
internal static class KcatCommand
{
    /// <summary>What a produce action writes (one message).</summary>
    public const string Message = "ciliuml7 connectivity test\n";

    /// <summary>What librdkafka prints for error 29 (TOPIC_AUTHORIZATION_FAILED), the proxy's answer to a denied request.</summary>
    public const string AuthorizationFailed = "Topic authorization failed";

    public static List<string> Build(string netns, string bootstrap, KafkaRequestSpec request, ConnectivityOptions options)
    {
        var args = new List<string>
        {
            "ip", "netns", "exec", netns,
            "kcat", "-b", bootstrap, "-m", Math.Max(1, (int)Math.Ceiling(options.RequestTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        };
        switch (request.Role)
        {
            case KafkaRole.Produce:
                args.AddRange(["-P", "-t", request.Topic, "-p", "0"]);
                break;
            case KafkaRole.Consume:
                args.AddRange(["-C", "-t", request.Topic, "-p", "0", "-o", "beginning", "-e", "-q"]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Role, "unknown Kafka role");
        }
        return args;
    }

    /// <summary>What the action writes to kcat's standard input.</summary>
    public static string? Stdin(KafkaRequestSpec request) => request.Role == KafkaRole.Produce ? Message : null;
}
