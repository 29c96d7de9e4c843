using System.Diagnostics;
using System.Text;
using CiliumL7.Agent.Tests.Support;
using Xunit.Abstractions;

namespace CiliumL7.Agent.Tests.Node;

/// <summary>
/// DNS policy through the real datapath: a pod's queries to a dnsmasq in a "world"
/// namespace (198.51.100.53) are steered by eBPF into the agent's DNS proxy over
/// UDP and TCP; dig and glibc (getent through the pod's resolv.conf) as clients.
/// </summary>
public sealed class DnsProxyNodeTests
{
    private const string Server = "198.51.100.53";
    private readonly ITestOutputHelper _output;

    public DnsProxyNodeTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task DnsRules_PodQueriesWorldServer_AllowedAnsweredDeniedRefusedOverUdpTcpAndGlibc()
    {
        await using var node = await AgentNode.StartAsync(_output);
        var pod = node.CreatePod("client", "app=client");
        var world = "l7d-" + node.Suffix;
        var link = "d" + node.Suffix;
        var etcNetns = "/etc/netns/" + pod.NetnsName;
        Process? dnsmasq = null;
        var dnsmasqLog = new StringBuilder();
        try
        {
            Cmd.Check("ip", "netns", "add", world);
            Cmd.Check("ip", "-n", node.NodeNetns, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", world);
            Cmd.Check("ip", "-n", node.NodeNetns, "addr", "add", "198.51.100.1/24", "dev", link);
            Cmd.Check("ip", "-n", node.NodeNetns, "link", "set", link, "up");
            Cmd.Check("ip", "-n", world, "link", "set", "lo", "up");
            Cmd.Check("ip", "-n", world, "addr", "add", Server + "/24", "dev", "eth0");
            Cmd.Check("ip", "-n", world, "link", "set", "eth0", "up");
            Cmd.Check("ip", "-n", world, "route", "add", "10.244.0.0/16", "via", "198.51.100.1");
            var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[]
            {
                "netns", "exec", world, "/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--user=root",
                "--port=53", "--listen-address=" + Server, "--bind-interfaces", "--no-resolv", "--no-hosts", "--log-queries", "--log-facility=-",
                "--address=/empire.test/198.51.100.10", "--address=/cilium.io/198.51.100.13",
            })
            {
                psi.ArgumentList.Add(a);
            }
            dnsmasq = Process.Start(psi)!;
            dnsmasq.ErrorDataReceived += (_, e) => { lock (dnsmasqLog) { dnsmasqLog.AppendLine(e.Data); } };
            dnsmasq.BeginErrorReadLine();
            Assert.True(await AgentNode.EventuallyAsync(() => Task.FromResult(Status(Dig(pod, "www.empire.test")) == "NOERROR"), TimeSpan.FromSeconds(10)),
                "no policy: the pod resolves directly\n" + Cmd.Run("nsenter", ["--net=" + pod.NetnsPath, "ping", "-c1", "-W1", Server]).All
                + node.InNode("ip", "route").All + node.InNode("ip", "addr").All + node.InNode("sysctl", "net.ipv4.ip_forward").All + Cmd.Run("ip", ["-n", world, "route"]).All + dnsmasqLog);

            var file = Path.Combine(node.TempDir, "dns.yaml");
            await File.WriteAllTextAsync(file, $$"""
                apiVersion: cilium.io/v2
                kind: CiliumNetworkPolicy
                metadata:
                  name: dns-empire
                spec:
                  endpointSelector:
                    matchLabels:
                      app: client
                  egress:
                  - toCIDR:
                    - {{Server}}/32
                    toPorts:
                    - ports:
                      - port: "53"
                        protocol: ANY
                      rules:
                        dns:
                        - matchPattern: "*.empire.test"
                """);
            var import = node.Cli("policy", "import", file);
            Assert.True(import.ExitCode == 0, import.All);
            Assert.True(await AgentNode.EventuallyAsync(async () =>
                (await node.Client.GetStatusAsync()).Proxy.Redirects.Count == 2), node.AgentLog);

            var udp = Dig(pod, "www.empire.test");
            Assert.True(Status(udp) == "NOERROR", udp + node.Cli("status").All
                + node.Cli("observe", "--server", "unix://" + Path.Combine(node.StateDir, "hubble.sock"), "--last", "30").All + node.AgentLog);
            Assert.Contains("198.51.100.10", udp, StringComparison.Ordinal);
            Assert.Contains("SERVER: " + Server + "#53", udp, StringComparison.Ordinal); // the answer came from the server's address and port
            Assert.Equal("REFUSED", Status(Dig(pod, "cilium.io")));
            var tcp = Dig(pod, "api.empire.test", "+tcp");
            Assert.True(Status(tcp) == "NOERROR", tcp + node.AgentLog);
            Assert.Equal("REFUSED", Status(Dig(pod, "cilium.io", "+tcp")));

            Directory.CreateDirectory(etcNetns);
            await File.WriteAllTextAsync(Path.Combine(etcNetns, "resolv.conf"), $"nameserver {Server}\noptions timeout:2 attempts:1\n");
            var getent = Cmd.Run("ip", ["netns", "exec", pod.NetnsName, "getent", "ahostsv4", "shuttle.empire.test"], TimeSpan.FromSeconds(20));
            Assert.True(getent.ExitCode == 0 && getent.Stdout.Contains("198.51.100.10", StringComparison.Ordinal), getent.All);
            Assert.Equal(2, Cmd.Run("ip", ["netns", "exec", pod.NetnsName, "getent", "ahostsv4", "www.cilium.io"], TimeSpan.FromSeconds(20)).ExitCode);

            string log;
            lock (dnsmasqLog)
            {
                log = dnsmasqLog.ToString();
            }
            Assert.DoesNotContain("cilium.io from", log, StringComparison.Ordinal); // denied queries never reached the server
            Assert.Contains("shuttle.empire.test from", log, StringComparison.Ordinal);

            var observe = node.Cli("observe", "--server", "unix://" + Path.Combine(node.StateDir, "hubble.sock"), "--protocol", "dns", "--last", "100");
            Assert.Contains("dns-request proxy FORWARDED (DNS Query www.empire.test. A)", observe.Stdout, StringComparison.Ordinal);
            Assert.Contains("dns-request proxy DROPPED (DNS Query cilium.io. A)", observe.Stdout, StringComparison.Ordinal);
            Assert.Contains("DNS Answer \"198.51.100.10\" TTL: 0 (Proxy www.empire.test. A)", observe.Stdout, StringComparison.Ordinal);
            Assert.Contains("DNS Answer RCode: Query Refused TTL: 0 (Proxy cilium.io. A)", observe.Stdout, StringComparison.Ordinal);
            var status = node.Cli("status");
            Assert.Contains("DNS Proxy:", status.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (dnsmasq is { HasExited: false })
            {
                dnsmasq.Kill();
                dnsmasq.WaitForExit(5000);
            }
            dnsmasq?.Dispose();
            Cmd.Run("ip", "netns", "del", world);
            if (Directory.Exists(etcNetns))
            {
                Directory.Delete(etcNetns, recursive: true);
            }
        }
    }

    private static string Dig(TestPod pod, string name, params string[] extra) =>
        Cmd.Run("nsenter", ["--net=" + pod.NetnsPath, "dig", "@" + Server, name, "A", "+tries=1", "+time=3", .. extra], TimeSpan.FromSeconds(20)).All;

    private static string Status(string output)
    {
        var at = output.IndexOf("status: ", StringComparison.Ordinal);
        return at < 0 ? "" : output[(at + 8)..output.IndexOf(',', at)];
    }
}
