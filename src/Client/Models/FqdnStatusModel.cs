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
}
