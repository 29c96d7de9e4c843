namespace CiliumL7.Connectivity.Deployment;

/// <summary>
/// A host outside the node: its own network namespace behind a plain veth (no programs on it),
/// with three TEST-NET-2 addresses (two echo servers, one DNS server). The node side of the veth gets no address: the node routes the
/// two /32s to it and answers ARP for the pods by proxy ARP.
/// <code>
///   world netns: eth0 198.51.100.10/32, .11/32, .53/32 ── default dev eth0
///                 │ veth
///   node netns:  cl7w&lt;id&gt; (no address, proxy_arp) ── 198.51.100.10/32, .11/32, .53/32 dev cl7w&lt;id&gt;
/// </code>
/// </summary>
internal static class WorldHost
{
    public const string Ip = "198.51.100.10";
    public const string Ip2 = "198.51.100.11";

    /// <summary>The world's DNS server (dnsmasq), answering the test names.</summary>
    public const string DnsIp = "198.51.100.53";

    /// <summary>The domain of the names the DNS server answers (and the only names a run asks for).</summary>
    public const string Domain = "connectivity.ciliuml7.test";

    /// <summary>A name the DNS server answers with <see cref="Ip"/>.</summary>
    public const string Name = "world." + Domain;

    /// <summary>A name the DNS server answers with <see cref="Ip2"/>.</summary>
    public const string Name2 = "world2." + Domain;

    public static async Task CreateAsync(string netns, string hostIf, CancellationToken ct)
    {
        await ProcessRunner.CheckAsync("ip", ["netns", "add", netns], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", netns], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["link", "set", hostIf, "up"], ct).ConfigureAwait(false);
        await File.WriteAllTextAsync($"/proc/sys/net/ipv4/conf/{hostIf}/proxy_arp", "1", ct).ConfigureAwait(false);
        foreach (var ip in new[] { Ip, Ip2, DnsIp })
        {
            await ProcessRunner.CheckAsync("ip", ["route", "add", ip + "/32", "dev", hostIf], ct).ConfigureAwait(false);
            await ProcessRunner.CheckAsync("ip", ["-n", netns, "addr", "add", ip + "/32", "dev", "eth0"], ct).ConfigureAwait(false);
        }
        await ProcessRunner.CheckAsync("ip", ["-n", netns, "link", "set", "lo", "up"], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["-n", netns, "link", "set", "eth0", "up"], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["-n", netns, "route", "add", "default", "dev", "eth0"], ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The dnsmasq command line (in the world netns): only the test names (TTL 60 s, so a learned address
    /// outlives a test's actions), no upstream, no files, in the foreground.
    /// </summary>
    public static string[] DnsServerArgs(string netns) =>
    [
        "netns", "exec", netns, File.Exists("/usr/sbin/dnsmasq") ? "/usr/sbin/dnsmasq" : "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--user=root",
        "--port=53", "--listen-address=" + DnsIp, "--bind-interfaces", "--no-resolv", "--no-hosts", "--log-facility=-", "--local-ttl=60",
        $"--address=/{Name}/{Ip}", $"--address=/{Name2}/{Ip2}",
    ];
}
