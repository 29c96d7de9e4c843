using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy.Dns;

/// <summary>Starts DNS redirect listeners: UDP (<see cref="DnsUdpListener"/>) or TCP (<see cref="DnsTcpHandler"/> behind a TcpRedirectListener) by the redirect's protocol.</summary>
internal sealed class DnsListenerFactory(ProxyRuntime runtime, IServiceProvider services, ILoggerFactory loggerFactory) : IRedirectListenerFactory
{
    public ProxyType Type => ProxyType.Dns;

    public async Task<IRedirectListener> StartAsync(ProxyRedirect redirect, CancellationToken cancellationToken) => redirect.Key.Protocol switch
    {
        RedirectKey.Udp => DnsUdpListener.Start(redirect, runtime),
        RedirectKey.Tcp => await Transport.TcpRedirectListener.StartAsync(redirect, runtime, services, loggerFactory, new DnsTcpHandler(redirect, runtime), cancellationToken).ConfigureAwait(false),
        _ => throw new NotSupportedException($"DNS redirect on port {redirect.ProxyPort}: protocol {redirect.Key.Protocol} is neither UDP nor TCP"),
    };
}
