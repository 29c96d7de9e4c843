namespace CiliumL7.Agent.Fqdn;

/// <summary>The <c>--tofqdns-*</c> flags of the FQDN cache (names as Cilium's agent has them).</summary>
internal sealed record FqdnOptions
{
    /// <summary><c>--tofqdns-min-ttl</c>: a learned address lives at least this long (0 = the answer's TTL).</summary>
    public TimeSpan MinTtl { get; init; } = TimeSpan.Zero;

    /// <summary><c>--tofqdns-endpoint-max-ip-per-hostname</c>: addresses kept per name and endpoint (the soonest to expire goes first).</summary>
    public int MaxIpsPerHostname { get; init; } = 50;

    /// <summary><c>--tofqdns-endpoint-max-names</c>: names kept per endpoint (the soonest to expire goes first).</summary>
    public int MaxNamesPerEndpoint { get; init; } = 1000;

    /// <summary><c>--tofqdns-max-deferred-connection-deletes</c>: expired addresses kept while connections use them (the oldest goes first).</summary>
    public int MaxDeferredConnectionDeletes { get; init; } = 10000;

    /// <summary><c>--tofqdns-idle-connection-grace-period</c>: a connection idle longer than this no longer keeps an expired address.</summary>
    public TimeSpan IdleConnectionGracePeriod { get; init; } = TimeSpan.Zero;

    /// <summary>How often expiry and connection checks run.</summary>
    public TimeSpan CollectInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The conntrack window that counts a connection as alive: the grace period, at least 2 s (the datapath refreshes last_seen once a second).</summary>
    public TimeSpan LiveConnectionWindow => IdleConnectionGracePeriod > TimeSpan.FromSeconds(2) ? IdleConnectionGracePeriod : TimeSpan.FromSeconds(2);
}
