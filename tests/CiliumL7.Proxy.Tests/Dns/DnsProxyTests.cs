using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Dns;
using CiliumL7.Proxy.Flows;
using DnsClient;
using static CiliumL7.Proxy.Tests.Dns.DnsWire;

namespace CiliumL7.Proxy.Tests.Dns;

/// <summary>The DNS proxy on loopback between real clients (dig, DnsClient) and a real dnsmasq.</summary>
public sealed class DnsProxyTests
{
    private static readonly string[] Policy = ["*.empire.test", "**.deep.test", "=exact.test", "*cilium.io"];

    [Theory]
    [InlineData("www.empire.test", true)]
    [InlineData("WWW.Empire.Test", true)]
    [InlineData("api.empire.test.", true)]
    [InlineData("empire.test", false)]
    [InlineData("a.b.empire.test", false)]
    [InlineData("x.deep.test", true)]
    [InlineData("a.b.deep.test", true)]
    [InlineData("deep.test", false)]
    [InlineData("exact.test", true)]
    [InlineData("www.exact.test", false)]
    [InlineData("cilium.io", true)]
    [InlineData("sub-cilium.io", true)]
    [InlineData("www.cilium.io", false)]
    public async Task Query_PatternTable_AllowedForwardedDeniedRefusedOverUdpAndTcp(string name, bool allowed)
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy));
        foreach (var tcp in new[] { false, true })
        {
            var output = Dig.Query(proxy.Port(tcp), name, tcp: tcp);
            Assert.Equal(allowed ? "NOERROR" : "REFUSED", Dig.Status(output));
        }
        var lower = name.ToLowerInvariant().TrimEnd('.');
        Assert.Equal(allowed, dnsmasq.Saw(lower));
        var requests = proxy.Flows.Snapshot().Where(f => f.Type == L7FlowType.Request).ToList();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, f =>
        {
            Assert.Equal(lower + ".", f.Dns!.Query);
            Assert.Equal(allowed ? FlowVerdict.Forwarded : FlowVerdict.Dropped, f.Verdict);
        });
        Assert.Equal([false, true], requests.Select(f => f.Dns!.Tcp).Order());
    }

    [Fact]
    public async Task Query_AuditedRules_DeniedNameForwardedWithAuditFlowNamingPolicy()
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, (DnsRuleSet)DnsProxyHarness.Rules(Policy).AsAudit());
        foreach (var tcp in new[] { false, true })
        {
            // empire.test matches no rule: enforced it would be REFUSED; audited it is answered by dnsmasq.
            Assert.Equal("NOERROR", Dig.Status(Dig.Query(proxy.Port(tcp), "empire.test", tcp: tcp)));
            Assert.Equal("NOERROR", Dig.Status(Dig.Query(proxy.Port(tcp), "www.empire.test", tcp: tcp)));
        }
        Assert.True(dnsmasq.Saw("empire.test"));
        var requests = proxy.Flows.Snapshot().Where(f => f.Type == L7FlowType.Request).ToList();
        var audited = requests.Where(f => f.Dns!.Query == "empire.test.").ToList();
        Assert.Equal(2, audited.Count);
        Assert.All(audited, f =>
        {
            Assert.Equal(FlowVerdict.Audit, f.Verdict);
            Assert.Equal("default/dns", f.PolicyName);
            Assert.Equal("REFUSED", f.AuditOutcome);
        });
        Assert.All(requests.Where(f => f.Dns!.Query == "www.empire.test."), f => Assert.Equal(FlowVerdict.Forwarded, f.Verdict));
        Assert.Equal(0, proxy.Proxy.Counters.Snapshot(ProxyType.Dns).Denied);
    }

    [Fact]
    public async Task Query_Denied_NameErrorFlag_NxDomainAndNothingUpstream()
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy), o => o with { DnsRejectResponseCode = DnsRejectResponseCode.NameError });
        Assert.Equal("NXDOMAIN", Dig.Status(Dig.Query(proxy.Port(false), "empire.test")));
        Assert.Equal("NXDOMAIN", Dig.Status(Dig.Query(proxy.Port(true), "empire.test", tcp: true)));
        Assert.False(dnsmasq.Saw("empire.test"));
    }

    [Fact]
    public async Task Query_Allowed_FlowsAndCountersCarryTheAnswer()
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy));
        var output = Dig.Query(proxy.Port(false), "www.empire.test");
        Assert.Contains("198.51.100.20", output, StringComparison.Ordinal);
        Assert.Equal("REFUSED", Dig.Status(Dig.Query(proxy.Port(false), "empire.test")));

        var flows = proxy.Flows.Snapshot();
        var answer = flows.Single(f => f.Type == L7FlowType.Response && f.Verdict == FlowVerdict.Forwarded);
        Assert.Equal(ProxyType.Dns, answer.Protocol);
        Assert.Equal("www.empire.test.", answer.Dns!.Query);
        Assert.Equal(["A"], answer.Dns.Qtypes);
        Assert.Equal(0, answer.Dns.Rcode);
        Assert.Equal(["198.51.100.20"], answer.Dns.Ips);
        Assert.Equal(["api.empire.test."], answer.Dns.Cnames);
        Assert.Equal(["CNAME", "A"], answer.Dns.Rrtypes);
        Assert.True(answer.IsReply);
        Assert.Equal(dnsmasq.EndPoint.Port, answer.Source.Port);
        var refused = flows.Single(f => f.Type == L7FlowType.Response && f.Verdict == FlowVerdict.Dropped);
        Assert.Equal(5, refused.Dns!.Rcode);
        Assert.Equal("default/dns", refused.PolicyName);
        var counters = proxy.Proxy.Counters.Snapshot(ProxyType.Dns);
        Assert.Equal((2, 1, 1, 0, 2), (counters.Received, counters.Forwarded, counters.Denied, counters.ParseErrors, counters.Redirects));
    }

    [Fact]
    public async Task DnsClient_AllowedAndDenied_AnswerAndRefused()
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy));
        foreach (var tcp in new[] { false, true })
        {
            var client = new LookupClient(new LookupClientOptions(new IPEndPoint(IPAddress.Loopback, proxy.Port(tcp)))
            {
                UseCache = false, UseTcpOnly = tcp, Retries = 0, Timeout = TimeSpan.FromSeconds(5), ThrowDnsErrors = false,
            });
            var aaaa = await client.QueryAsync("api.empire.test", QueryType.AAAA);
            Assert.Equal([IPAddress.Parse("2001:db8::20")], aaaa.Answers.AaaaRecords().Select(r => r.Address));
            var denied = await client.QueryAsync("www.exact.test", QueryType.A);
            Assert.Equal(DnsHeaderResponseCode.Refused, denied.Header.ResponseCode);
            Assert.Empty(denied.Answers);
        }
    }

    [Fact]
    public async Task Query_TruncatedAnswer_TcBitPassesThroughAndTcpGetsTheWholeAnswer()
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy));
        var udp = Dig.Query(proxy.Port(false), "big.empire.test", "TXT", false, "+ignore", "+noedns");
        Assert.Matches(@"flags: qr aa tc", udp);
        var tcp = Dig.Query(proxy.Port(true), "big.empire.test", "TXT", true);
        Assert.Equal("NOERROR", Dig.Status(tcp));
        Assert.Contains(new string('c', 250), tcp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tcp_QueriesSplitAcrossSegmentsAndSeveralPerConnection_AnsweredInOrder()
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Port(true)));
        var first = Framed(Query("www.empire.test", id: 0x0101));
        var second = Framed(Query("empire.test", id: 0x0202));
        var third = Framed(Query("x.deep.test", id: 0x0303, edns: true));
        var all = Concat(first, second, third);
        // one byte, then the rest of the first frame and half of the second, then the rest
        await socket.SendAsync(all.AsMemory(0, 1));
        await Task.Delay(50);
        await socket.SendAsync(all.AsMemory(1, first.Length - 1 + (second.Length / 2)));
        await Task.Delay(50);
        await socket.SendAsync(all.AsMemory(first.Length + (second.Length / 2)));

        var answers = new List<(ushort Id, int Rcode)>();
        for (var i = 0; i < 3; i++)
        {
            var message = await ReadFrame(socket);
            answers.Add((BinaryPrimitives.ReadUInt16BigEndian(message), message[3] & 0xF));
        }
        Assert.Equal([((ushort)0x0101, 0), ((ushort)0x0202, 5), ((ushort)0x0303, 0)], answers);
    }

    [Theory]
    [MemberData(nameof(DnsMessageParserTests.Malformed), MemberType = typeof(DnsMessageParserTests))]
    public async Task Udp_MalformedMessage_NothingForwardedAndTheProxyKeepsServing(string what, byte[] message, string error)
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules("*"));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.SendTo(message, new IPEndPoint(IPAddress.Loopback, proxy.Port(false)));
        client.SendTo(Query("www.empire.test", id: 0x7777), new IPEndPoint(IPAddress.Loopback, proxy.Port(false)));

        // Datagrams may come back in either order: a FORMERR (when the header was readable and a query) and the answer.
        var buffer = new byte[4096];
        var ids = new List<(ushort Id, int Rcode)>();
        while (ids.All(a => a.Id != 0x7777))
        {
            var n = client.Receive(buffer);
            ids.Add((BinaryPrimitives.ReadUInt16BigEndian(buffer), n >= 4 ? buffer[3] & 0xF : -1));
        }
        Assert.Contains(((ushort)0x7777, 0), ids);
        Assert.All(ids.Where(a => a.Id != 0x7777), a => Assert.Equal(1, a.Rcode)); // FORMERR, nothing else
        Assert.True(SpinWait.SpinUntil(() => CountQueries(dnsmasq.Log) >= 1, TimeSpan.FromSeconds(5)));
        Assert.Equal(1, CountQueries(dnsmasq.Log)); // only the valid query reached the server
        // An empty datagram gets no answer, so the valid answer may come back before it is counted: wait (bounded).
        SpinWait.SpinUntil(() => proxy.Proxy.Counters.Snapshot(ProxyType.Dns).ParseErrors >= 1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, proxy.Proxy.Counters.Snapshot(ProxyType.Dns).ParseErrors);
        Assert.NotNull(what + error);
    }

    [Fact]
    public async Task Upstream_Silent_ServfailAfterTimeoutWhileOtherQueriesAreAnswered()
    {
        using var dnsmasq = Dnsmasq.Start();
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var slow = await DnsProxyHarness.StartAsync((IPEndPoint)silent.LocalEndPoint!, DnsProxyHarness.Rules("*"), o => o with { DnsUpstreamTimeout = TimeSpan.FromSeconds(3) });
        await using var fast = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules("*"));

        var pending = Task.Run(() => Dig.Query(slow.Port(false), "www.empire.test", "A", false, "+time=10"));
        Assert.Equal("NOERROR", Dig.Status(Dig.Query(fast.Port(false), "www.empire.test")));
        Assert.False(pending.IsCompleted); // the other proxy's query did not wait for the dead server
        Assert.Equal("SERVFAIL", Dig.Status(await pending));
        var response = slow.Flows.Snapshot().Single(f => f.Type == L7FlowType.Response);
        Assert.Equal((FlowVerdict.Error, 2), (response.Verdict, response.Dns!.Rcode));
    }

    [Fact]
    public async Task Upstream_ClosedTcpPort_Servfail()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var endpoint = (IPEndPoint)closed.LocalEndpoint;
        closed.Stop();
        await using var proxy = await DnsProxyHarness.StartAsync(endpoint, DnsProxyHarness.Rules("*"));
        Assert.Equal("SERVFAIL", Dig.Status(Dig.Query(proxy.Port(true), "www.empire.test", tcp: true)));
    }

    [Fact]
    public async Task Learner_HoldsTheAnswerUntilItCompletes_ThenReleases()
    {
        using var dnsmasq = Dnsmasq.Start();
        var learner = new GateLearner();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy), o => o with { DnsResponseMaxDelay = TimeSpan.FromSeconds(30) }, learner);
        var dig = Task.Run(() => Dig.Query(proxy.Port(false), "www.empire.test", "A", false, "+time=20"));
        var observation = await learner.Seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(9u, observation.EndpointId);
        Assert.Equal("www.empire.test.", observation.QueryName);
        Assert.Equal(["api.empire.test."], observation.Cnames);
        Assert.Equal([(IPAddress.Parse("198.51.100.20"), 0u)], observation.Addresses.Select(a => (a.Address, 0u)));
        await Task.Delay(200);
        Assert.False(dig.IsCompleted); // held while the learner has not finished
        learner.Release.SetResult();
        Assert.Equal("NOERROR", Dig.Status(await dig));
    }

    [Fact]
    public async Task Learner_NeverCompletes_ServFailAfterTheMaxDelay()
    {
        using var dnsmasq = Dnsmasq.Start();
        var learner = new GateLearner();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy), o => o with { DnsResponseMaxDelay = TimeSpan.FromMilliseconds(200) }, learner);
        var output = Dig.Query(proxy.Port(false), "www.empire.test");
        Assert.Equal("SERVFAIL", Dig.Status(output)); // never the answer the datapath does not allow yet
        Assert.DoesNotContain("198.51.100.20", output, StringComparison.Ordinal);
        Assert.True(learner.Seen.Task.IsCompleted);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Learner_Fails_ServFailNotTheAnswer(bool tcp)
    {
        using var dnsmasq = Dnsmasq.Start();
        await using var proxy = await DnsProxyHarness.StartAsync(dnsmasq.EndPoint, DnsProxyHarness.Rules(Policy), learner: new FailingLearner());
        var output = Dig.Query(proxy.Port(tcp), "www.empire.test", tcp: tcp);
        Assert.Equal("SERVFAIL", Dig.Status(output));
        Assert.DoesNotContain("198.51.100.20", output, StringComparison.Ordinal);
    }

    private static int CountQueries(string log) => log.Split('\n').Count(l => l.Contains("query[", StringComparison.Ordinal));

    private static byte[] Framed(byte[] message) => Concat(U16(message.Length), message);

    private static async Task<byte[]> ReadFrame(Socket socket)
    {
        var prefix = await ReadExactly(socket, 2);
        return await ReadExactly(socket, BinaryPrimitives.ReadUInt16BigEndian(prefix));
    }

    private static async Task<byte[]> ReadExactly(Socket socket, int n)
    {
        var buffer = new byte[n];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < n)
        {
            var got = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
            Assert.NotEqual(0, got);
            read += got;
        }
        return buffer;
    }

    private sealed class FailingLearner : IFqdnLearner
    {
        public ValueTask LearnAsync(FqdnObservation observation, CancellationToken cancellationToken) =>
            ValueTask.FromException(new InvalidOperationException("the datapath refused the write"));
    }

    private sealed class GateLearner : IFqdnLearner
    {
        public TaskCompletionSource<FqdnObservation> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask LearnAsync(FqdnObservation observation, CancellationToken cancellationToken)
        {
            Seen.TrySetResult(observation);
            await Release.Task.WaitAsync(cancellationToken);
        }
    }
}
