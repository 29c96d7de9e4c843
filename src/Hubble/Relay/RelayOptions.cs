using System.Net;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Hubble.Relay;

/// <summary>How Hubble Relay runs (Hubble relay's flag names in the CLI: <c>--listen-address</c>, <c>--peer-service</c>, …).</summary>
public sealed class RelayOptions
{
    /// <summary>Hubble Relay's port.</summary>
    public const int DefaultPort = 4245;

    /// <summary>Where observer.Observer is served (HTTP/2, plaintext). Default 127.0.0.1:4245.</summary>
    public IPEndPoint ListenAddress { get; init; } = new(IPAddress.Loopback, DefaultPort);

    /// <summary>
    /// Agents' Peer services (unix:///…/hubble.sock or host:port). Nodes are discovered from the first
    /// that answers; when its stream breaks the next one is tried (the nodes already known are kept).
    /// </summary>
    public IReadOnlyList<string> PeerServices { get; init; } = ["unix:///var/run/ciliuml7/hubble.sock"];

    /// <summary>How long one call to a node (ServerStatus, a non-follow GetFlows' first answer) may take before the node counts as unavailable.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between two reconnection attempts to a node or the Peer service (backoff doubles from 250 ms up to this).</summary>
    public TimeSpan RetryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Flows held to put followed streams of several nodes in time order; the oldest leaves when the buffer is fuller.</summary>
    public int SortBufferMaxLength { get; init; } = 100;

    /// <summary>Longest a followed flow waits in the sort buffer for older flows of other nodes.</summary>
    public TimeSpan SortBufferDrainTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Version reported by ServerStatus.</summary>
    public string Version { get; init; } = "ciliuml7-relay-" + (typeof(RelayOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>Logs (discovery, node connections); none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Reports every invalid setting at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (PeerServices.Count == 0 || PeerServices.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("--peer-service: give at least one agent's Hubble address (unix:///var/run/ciliuml7/hubble.sock or host:port)");
        }
        if (DialTimeout <= TimeSpan.Zero)
        {
            errors.Add($"--dial-timeout \"{DialTimeout}\": must be positive (e.g. 5s)");
        }
        if (RetryTimeout <= TimeSpan.Zero)
        {
            errors.Add($"--retry-timeout \"{RetryTimeout}\": must be positive (e.g. 30s)");
        }
        if (SortBufferMaxLength < 1)
        {
            errors.Add($"--sort-buffer-len-max {SortBufferMaxLength}: must be at least 1 (e.g. 100)");
        }
        if (SortBufferDrainTimeout <= TimeSpan.Zero)
        {
            errors.Add($"--sort-buffer-drain-timeout \"{SortBufferDrainTimeout}\": must be positive (e.g. 1s)");
        }
        return errors;
    }
}
