using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Proxy.Tests.Support;

/// <summary>
/// A raw HTTP/1.1 backend on 127.0.0.1 that answers each bodyless request with
/// the exact bytes <c>respond(target)</c> returns, and closes the connection after
/// a response when <c>closeAfter(target)</c> says so. Records request heads and connections.
/// </summary>
public sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<string, string> _respond;
    private readonly Func<string, bool> _closeAfter;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _heads = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Task _accept;
    private int _connections;

    public ScriptedBackend(Func<string, string> respond, Func<string, bool>? closeAfter = null)
    {
        _respond = respond;
        _closeAfter = closeAfter ?? (_ => false);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        _accept = AcceptLoopAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every request head received (request line and fields), in order.</summary>
    public IReadOnlyList<string> Heads => [.. _heads];

    /// <summary>Closes every open backend connection (as an upstream's idle timeout would).</summary>
    public void CloseAll()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _sockets.Add(socket);
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var pending = new StringBuilder();
        var buffer = new byte[8192];
        try
        {
            while (true)
            {
                int end;
                while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
                }
                var head = pending.ToString(0, end);
                pending.Remove(0, end + 4);
                _heads.Enqueue(head);
                var target = head.Split(' ')[1];
                var response = _respond(target);
                if (head.StartsWith("HEAD ", StringComparison.Ordinal))
                {
                    response = response[..(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)]; // HEAD: no body
                }
                await socket.SendAsync(Encoding.Latin1.GetBytes(response));
                if (_closeAfter(target))
                {
                    socket.Shutdown(SocketShutdown.Both);
                    return;
                }
            }
        }
        catch (Exception)
        {
            // connection closed or backend stopping
        }
        finally
        {
            socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        CloseAll();
        try
        {
            await _accept;
        }
        catch (Exception)
        {
            // stopping
        }
        _stop.Dispose();
    }
}
