using Microsoft.AspNetCore.Connections;

namespace CiliumL7.Proxy.Http.FastPath;

/// <summary>
/// The HTTP/1.1 fast path of one redirect listener: a Kestrel connection
/// middleware after <see cref="Transport.ProtocolSniffer"/> that serves the common
/// requests itself and lends the connection to Kestrel's HTTP/1.1 stack at the
/// first request it leaves alone.
/// <code>
/// sniffer ─► Http1FastPath ─ head parsed (Http1RequestHead), Content-Length or no body, nothing unusual
///              │             ─► HttpRequestJudge (same canonical form + rules as Kestrel's path)
///              │             ─► 403 | raw pooled upstream (transparent + SO_MARK) ─► response streamed back
///              └─ anything else, at a request boundary, bytes unconsumed ─► Kestrel HTTP/1.1 ─► HttpProxyApplication
/// </code>
/// </summary>
internal sealed class Http1FastPath(ProxyRedirect redirect, ProxyRuntime runtime)
{
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        bool handOff;
        var session = new Http1FastConnection(redirect, runtime, connection);
        try
        {
            handOff = await session.RunAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionResetException or ConnectionAbortedException or IOException)
        {
            // A client resetting its connection is normal traffic, not a proxy failure: count it, no stack trace.
            runtime.CountClientReset();
            Log.ClientConnectionReset(runtime.Logger, redirect.ProxyPort, e.GetType().Name);
            return;
        }
        finally
        {
            session.Dispose();
        }
        if (handOff)
        {
            runtime.CountFastPathHandOff();
            await next(connection).ConfigureAwait(false);
        }
    }
}
