using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy.Http;

/// <summary>Starts <see cref="HttpRedirectListener"/>s (Kestrel + the fast path + YARP) for HTTP redirects.</summary>
internal sealed class HttpListenerFactory(ProxyRuntime runtime, IServiceProvider services, ILoggerFactory loggerFactory) : IRedirectListenerFactory
{
    public ProxyType Type => ProxyType.Http;

    public async Task<IRedirectListener> StartAsync(ProxyRedirect redirect, CancellationToken cancellationToken)
    {
        if (redirect.Key.Protocol != RedirectKey.Tcp)
        {
            throw new NotSupportedException($"HTTP redirect on port {redirect.ProxyPort}: protocol {redirect.Key.Protocol} is not TCP");
        }
        return await HttpRedirectListener.StartAsync(redirect, runtime, services, loggerFactory, cancellationToken).ConfigureAwait(false);
    }
}
