namespace CiliumL7.Connectivity.Deployment;

/// <summary>
/// A host outside the node: its own network namespace behind a plain veth (no programs on it),
/// with two TEST-NET-2 addresses. The node side of the veth gets no address: the node routes the
/// two /32s to it and answers ARP for the pods by proxy ARP.
/// <code>
///   world netns: eth0 198.51.100.10/32, 198.51.100.11/32 ── default dev eth0
///                 │ veth
///   node netns:  cl7w&lt;id&gt; (no address, proxy_arp) ── 198.51.100.10/32, .11/32 dev cl7w&lt;id&gt;
/// </code>
/// </summary>
internal static class WorldHost
{
    public const string Ip = "198.51.100.10";
    public const string Ip2 = "198.51.100.11";

    public static async Task CreateAsync(string netns, string hostIf, CancellationToken ct)
    {
        await ProcessRunner.CheckAsync("ip", ["netns", "add", netns], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", netns], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["link", "set", hostIf, "up"], ct).ConfigureAwait(false);
        await File.WriteAllTextAsync($"/proc/sys/net/ipv4/conf/{hostIf}/proxy_arp", "1", ct).ConfigureAwait(false);
        foreach (var ip in new[] { Ip, Ip2 })
        {
            await ProcessRunner.CheckAsync("ip", ["route", "add", ip + "/32", "dev", hostIf], ct).ConfigureAwait(false);
            await ProcessRunner.CheckAsync("ip", ["-n", netns, "addr", "add", ip + "/32", "dev", "eth0"], ct).ConfigureAwait(false);
        }
        await ProcessRunner.CheckAsync("ip", ["-n", netns, "link", "set", "lo", "up"], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["-n", netns, "link", "set", "eth0", "up"], ct).ConfigureAwait(false);
        await ProcessRunner.CheckAsync("ip", ["-n", netns, "route", "add", "default", "dev", "eth0"], ct).ConfigureAwait(false);
    }
}
