using System.Net;
using CiliumL7.Policy;
using CiliumL7.Policy.L7;
using CiliumL7.Proxy.Dns;
using CiliumL7.Proxy.Flows;
using CiliumL7.Proxy.Tests.Support;

namespace CiliumL7.Proxy.Tests.Dns;

/// <summary>
/// The real proxy on loopback with one DNS redirect over UDP and one over TCP, both
/// forwarding to <paramref name="upstream"/> (the test stand-in for the original
/// destination the datapath would give), judged by <paramref name="rules"/>.
/// </summary>
internal sealed class DnsProxyHarness : IAsyncDisposable
{
    private DnsProxyHarness(L7Proxy proxy, InMemoryFlowSink flows, ProxyRedirect udp, ProxyRedirect tcp)
    {
        Proxy = proxy;
        Flows = flows;
        Udp = udp;
        Tcp = tcp;
    }

    public L7Proxy Proxy { get; }

    public InMemoryFlowSink Flows { get; }

    public ProxyRedirect Udp { get; }

    public ProxyRedirect Tcp { get; }

    public static DnsRuleSet Rules(params string[] patterns) =>
        new([.. patterns.Select(p => p.StartsWith('=') ? new DnsRule(p[1..], null, "default/dns") : new DnsRule(null, p, "default/dns"))], "default/dns");

    public static async Task<DnsProxyHarness> StartAsync(IPEndPoint upstream, DnsRuleSet rules, Func<ProxyOptions, ProxyOptions>? configure = null, IFqdnLearner? learner = null)
    {
        var options = new ProxyOptions
        {
            ListenAddresses = [IPAddress.Loopback],
            TransparentListeners = false,
            TransparentUpstream = false,
            UpstreamMark = 0,
        };
        options = configure?.Invoke(options) ?? options;
        var flows = new InMemoryFlowSink();
        var proxy = new L7Proxy(options, new TestPeers(), flows);
        proxy.SetPolicy(new FixedPolicy(rules));
        if (learner is not null)
        {
            proxy.FqdnLearner = learner;
        }
        var udp = new ProxyRedirect(FreePort.Next(), new RedirectKey(9, TrafficDirection.Egress, 53, RedirectKey.Udp), ProxyType.Dns) { TestUpstreamOverride = upstream };
        var tcp = new ProxyRedirect(FreePort.Next(), new RedirectKey(9, TrafficDirection.Egress, 53, RedirectKey.Tcp), ProxyType.Dns) { TestUpstreamOverride = upstream };
        await proxy.AddRedirectAsync(udp);
        await proxy.AddRedirectAsync(tcp);
        return new DnsProxyHarness(proxy, flows, udp, tcp);
    }

    public int Port(bool tcp) => tcp ? Tcp.ProxyPort : Udp.ProxyPort;

    public ValueTask DisposeAsync() => Proxy.DisposeAsync();

    private sealed class FixedPolicy(DnsRuleSet rules) : IProxyPolicy
    {
        public L7RuleSet? GetRules(RedirectKey key, uint remoteIdentity) => rules;
    }
}
