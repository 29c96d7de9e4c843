using CiliumL7.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace CiliumL7.Proxy.Kafka;

/// <summary>Starts a <see cref="TcpRedirectListener"/> over a <see cref="KafkaConnectionHandler"/> for Kafka redirects.</summary>
internal sealed class KafkaListenerFactory(ProxyRuntime runtime, IServiceProvider services, ILoggerFactory loggerFactory) : IRedirectListenerFactory
{
    public ProxyType Type => ProxyType.Kafka;

    public async Task<IRedirectListener> StartAsync(ProxyRedirect redirect, CancellationToken cancellationToken)
    {
        if (redirect.Key.Protocol != RedirectKey.Tcp)
        {
            throw new NotSupportedException($"Kafka redirect on port {redirect.ProxyPort}: protocol {redirect.Key.Protocol} is not TCP");
        }
        return await TcpRedirectListener.StartAsync(redirect, runtime, services, loggerFactory, new KafkaConnectionHandler(runtime), cancellationToken).ConfigureAwait(false);
    }
}
