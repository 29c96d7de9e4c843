using System.Net;
using CiliumL7.Policy;
using CiliumL7.Proxy.Flows;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>
/// An unprivileged proxy on 127.0.0.1 with one redirect whose "original
/// destination" is a backend (TestUpstreamOverride), plus a flow ring.
/// </summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    public static readonly PeerInfo Client = new(1001, 0, "default", "tiefighter", ["k8s:org=empire", "k8s:class=tiefighter"]);
    public static readonly PeerInfo Server = new(2002, 7, "default", "deathstar", ["k8s:org=empire", "k8s:class=deathstar"]);

    private ProxyHarness(L7Proxy proxy, InMemoryFlowSink flows, ProxyRedirect redirect)
    {
        Proxy = proxy;
        Flows = flows;
        Redirect = redirect;
    }

    public L7Proxy Proxy { get; }

    public InMemoryFlowSink Flows { get; }

    /// <summary>
    /// The flows once at least <paramref name="count"/> were published (bounded: 10 s). A response flow
    /// may be published just after the client has read the response, so a test waits for it.
    /// </summary>
    public async Task<IReadOnlyList<L7FlowEvent>> FlowsAsync(int count)
    {
        for (var i = 0; i < 200 && Flows.Count < count; i++)
        {
            await Task.Delay(50);
        }
        return Flows.Snapshot();
    }

    public ProxyRedirect Redirect { get; }

    public ushort Port => Redirect.ProxyPort;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    /// <summary>
    /// Loopback tests cannot tell client and server apart by address, so the
    /// backend's address (127.0.0.1 too) resolves to the client peer; tests that
    /// check identities use <paramref name="peers"/>.
    /// </summary>
    public static async Task<ProxyHarness> StartAsync(IPEndPoint backend, IProxyPolicy? policy, ProxyOptions? options = null, IPeerResolver? peers = null, TrafficDirection direction = TrafficDirection.Ingress, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null)
    {
        options ??= new ProxyOptions();
        options = options with
        {
            ListenAddresses = [IPAddress.Loopback],
            TransparentListeners = false,
            TransparentUpstream = false,
            UpstreamMark = 0,
        };
        peers ??= new TestPeers().Add(IPAddress.Loopback, Client);
        var flows = new InMemoryFlowSink(1024);
        var proxy = new L7Proxy(options, peers, flows, loggerFactory);
        proxy.SetPolicy(policy);
        await proxy.StartAsync();
        for (var attempt = 0; ; attempt++)
        {
            var redirect = new ProxyRedirect(FreePort.Next(), new RedirectKey(7, direction, 80)) { TestUpstreamOverride = backend };
            try
            {
                await proxy.AddRedirectAsync(redirect);
                return new ProxyHarness(proxy, flows, redirect);
            }
            catch (IOException) when (attempt < 5)
            {
                // the free port was taken in between; try another
            }
        }
    }

    public HttpClient CreateClient(Version? version = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false };
        var client = new HttpClient(handler) { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(20) };
        if (version is not null)
        {
            client.DefaultRequestVersion = version;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        return client;
    }

    public ValueTask DisposeAsync() => Proxy.DisposeAsync();
}
