namespace CiliumL7.Client.Models;

/// <summary>The FQDN cache line of <c>status</c>.</summary>
public sealed record FqdnStatusModel
{
    /// <summary>(endpoint, name, address) entries.</summary>
    public int Entries { get; init; }

    /// <summary>Distinct names node-wide.</summary>
    public int Names { get; init; }

    /// <summary>Expired addresses kept while a connection uses them.</summary>
    public int Zombies { get; init; }

    /// <summary>Allowed DNS answers learned from since the agent started.</summary>
    public long AnswersLearned { get; init; }

    /// <summary>toFQDNs rules that cannot learn (no DNS rule lets the proxy see lookups), with the fix.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Answers held until the datapath was written (new name or address).</summary>
    public long AnswersPlumbed { get; init; }

    /// <summary>Hold time of those answers, median over the last 4096 (ms).</summary>
    public double HoldP50Ms { get; init; }

    /// <summary>Hold time, 99th percentile over the last 4096 (ms).</summary>
    public double HoldP99Ms { get; init; }

    /// <summary>Hold time, maximum over the last 4096 (ms).</summary>
    public double HoldMaxMs { get; init; }

    /// <summary>Of the answers held, those plumbed incrementally (no full policy resolution before the release).</summary>
    public long AnswersIncremental { get; init; }

    /// <summary>Answers whose plumbing failed: the pod got SERVFAIL instead.</summary>
    public long AnswersFailed { get; init; }
}
