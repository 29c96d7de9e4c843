using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Datapath.Tests;

/// <summary>
/// A tiny HTTP/1.1 server (TCP) plus a UDP echo on the same port inside one
/// pod namespace. Both answer with the pod's name and record every peer.
/// </summary>
internal sealed class ServicesBackendServer : IDisposable
{
    private readonly Socket _tcp;
    private readonly Socket _udp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _tcpLoop;
    private readonly Task _udpLoop;

    public ServicesBackendServer(string netns, string name, IPAddress ip, int port)
    {
        Name = name;
        _tcp = ServicesNetns.Socket(netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _udp = ServicesNetns.Socket(netns, AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _tcp.Bind(new IPEndPoint(ip, port));
        _tcp.Listen(64);
        _udp.Bind(new IPEndPoint(ip, port));
        _tcpLoop = Task.Run(TcpLoop);
        _udpLoop = Task.Run(UdpLoop);
    }

    public string Name { get; }

    /// <summary>Source endpoints of accepted TCP connections and received datagrams.</summary>
    public ConcurrentQueue<IPEndPoint> Peers { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _tcp.Dispose();
        _udp.Dispose();
        try
        {
            Task.WaitAll([_tcpLoop, _udpLoop], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }

    private async Task TcpLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket conn;
            try
            {
                conn = await _tcp.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => Serve(conn));
        }
    }

    private async Task Serve(Socket conn)
    {
        using (conn)
        {
            Peers.Enqueue((IPEndPoint)conn.RemoteEndPoint!);
            var buffer = new byte[4096];
            var have = 0;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                while (have < buffer.Length)
                {
                    var n = await conn.ReceiveAsync(buffer.AsMemory(have), timeout.Token);
                    if (n == 0)
                    {
                        break;
                    }
                    have += n;
                    if (Encoding.ASCII.GetString(buffer, 0, have).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
                var body = Name + "\n";
                var response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.Length + "\r\nConnection: close\r\n\r\n" + body;
                await conn.SendAsync(Encoding.ASCII.GetBytes(response), timeout.Token);
                conn.Shutdown(SocketShutdown.Send);
            }
            catch (Exception) when (timeout.IsCancellationRequested)
            {
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task UdpLoop()
    {
        var buffer = new byte[1500];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            Peers.Enqueue((IPEndPoint)r.RemoteEndPoint);
            await _udp.SendToAsync(Encoding.ASCII.GetBytes(Name), r.RemoteEndPoint, _stop.Token);
        }
    }
}
