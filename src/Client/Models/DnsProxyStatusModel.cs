namespace CiliumL7.Client.Models;

/// <summary>The DNS proxy part of <see cref="ProxyStatusModel"/>.</summary>
public sealed record DnsProxyStatusModel
{
    /// <summary>DNS redirects listening (one per endpoint, port and UDP/TCP).</summary>
    public int Redirects { get; init; }

    /// <summary>What a denied query gets: <c>refused</c> or <c>nameError</c>.</summary>
    public required string RejectResponseCode { get; init; }

    /// <summary>Longest hold of an allowed answer while toFQDNs updates the datapath, in milliseconds.</summary>
    public double ResponseMaxDelayMs { get; init; }

    /// <summary>Time a server has to answer, in milliseconds.</summary>
    public double UpstreamTimeoutMs { get; init; }

    /// <summary>Queries in flight now.</summary>
    public int QueriesInFlight { get; init; }

    /// <summary>Queries received.</summary>
    public long Received { get; init; }

    /// <summary>Queries forwarded.</summary>
    public long Forwarded { get; init; }

    /// <summary>Queries denied (refused) or over the in-flight bounds.</summary>
    public long Denied { get; init; }

    /// <summary>Messages that did not parse (never forwarded).</summary>
    public long ParseErrors { get; init; }
}
