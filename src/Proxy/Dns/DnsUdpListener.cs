using System.Buffers;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// The UDP side of a DNS redirect: a <see cref="TransparentUdpSocket"/> per listen
/// address, each read by one thread. A datagram is handled on that thread up to its
/// first wait (parse, judge, send upstream; a refused query is answered there and then),
/// the rest on the thread that completes the wait (the pooled upstream's receive thread),
/// so a slow server never blocks the next query and no query pays a thread-pool hop.
/// Answers leave from the original destination's address and port (<see cref="UdpReplySockets"/>).
/// </summary>
internal sealed class DnsUdpListener : IRedirectListener
{
    private const int MaxQuery = 4096;
    private readonly ProxyRuntime _runtime;
    private readonly DnsQueryProcessor _processor;
    private readonly List<TransparentUdpSocket> _sockets = [];
    private readonly List<Thread> _readers = [];
    private readonly CancellationTokenSource _stop = new();

    private DnsUdpListener(ProxyRedirect redirect, ProxyRuntime runtime)
    {
        Redirect = redirect;
        _runtime = runtime;
        _processor = new DnsQueryProcessor(redirect, runtime);
    }

    public ProxyRedirect Redirect { get; }

    public static DnsUdpListener Start(ProxyRedirect redirect, ProxyRuntime runtime)
    {
        var listener = new DnsUdpListener(redirect, runtime);
        var options = runtime.Options;
        try
        {
            foreach (var address in options.ListenAddresses)
            {
                if (address.AddressFamily == AddressFamily.InterNetworkV6 && !ListenSocketFactory.Ipv6Available(options.NetworkNamespace))
                {
                    Log.Ipv6Unavailable(runtime.Logger, redirect.ProxyPort);
                    continue;
                }
                listener._sockets.Add(TransparentUdpSocket.Bind(new IPEndPoint(address, redirect.ProxyPort), options.TransparentListeners, options.NetworkNamespace, TimeSpan.FromMilliseconds(250)));
            }
        }
        catch
        {
            listener.Close();
            throw;
        }
        ListenSocketFactory.Register(runtime, redirect.ProxyPort, listener._sockets.Select(s => s.Socket));
        foreach (var socket in listener._sockets)
        {
            var thread = new Thread(() => listener.ReadLoop(socket)) { IsBackground = true, Name = "dns-udp-" + redirect.ProxyPort };
            listener._readers.Add(thread);
            thread.Start();
        }
        Log.ListenerStarted(runtime.Logger, redirect.ProxyPort, redirect.Key.EndpointId, redirect.Key.Direction, redirect.Key.Port);
        return listener;
    }

    private void ReadLoop(TransparentUdpSocket socket)
    {
        IoThreadSlice.TrySetCurrentThread(_runtime.Options.IoThreadSlice);
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(MaxQuery);
            UdpDatagram? datagram;
            try
            {
                datagram = socket.Receive(buffer.AsSpan(0, MaxQuery));
                failures = 0;
            }
            catch (SocketException e)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Log.DnsReceiveFailed(_runtime.Logger, Redirect.ProxyPort, e);
                if (++failures > 100)
                {
                    Thread.Sleep(100); // a socket error that repeats: do not spin
                }
                continue;
            }
            if (datagram is not { } d)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                continue;
            }
            var original = Redirect.TestUpstreamOverride ?? d.OriginalDestination;
            // A query longer than the buffer is cut: it then fails to parse (FORMERR), never forwarded whole.
            _ = HandleAsync(buffer, d.Truncated ? MaxQuery + 1 : d.Length, d.Source, original, socket);
        }
    }

    private async Task HandleAsync(byte[] buffer, int length, IPEndPoint client, IPEndPoint original, TransparentUdpSocket socket)
    {
        // No yield: this runs on the reader thread until the query waits for its server.
        var answer = ArrayPool<byte>.Shared.Rent(DnsQueryProcessor.MaxMessage);
        try
        {
            var query = length > MaxQuery ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length);
            var n = length > MaxQuery ? 0 : await _processor.ProcessAsync(query, client, original, tcp: false, answer, _stop.Token).ConfigureAwait(false);
            if (n > 0)
            {
                if (Redirect.TestUpstreamOverride is null)
                {
                    // The answer comes from where the pod sent the query (the server's address and port).
                    _runtime.UdpReplies.Send(answer.AsSpan(0, n), original, client);
                }
                else
                {
                    // Loopback tests: the client addressed the proxy socket itself.
                    socket.Socket.SendTo(answer.AsSpan(0, n), SocketFlags.None, client);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Log.DnsRejected(_runtime.Logger, client, Redirect.ProxyPort, "answer not sent: " + e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(answer);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Close()
    {
        _stop.Cancel();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Close();
        foreach (var thread in _readers)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }
        Log.ListenerStopped(_runtime.Logger, Redirect.ProxyPort);
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
