using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// A line echo server inside a network namespace (listening socket made there, owned by
/// the test process), and a client helper whose connection stays open across steps of a
/// test: for "an open connection keeps working" checks.
/// </summary>
internal sealed class EchoServer : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();

    private EchoServer(Socket listener)
    {
        _listener = listener;
        _ = Task.Run(AcceptLoopAsync);
    }

    public static EchoServer Start(string netnsPath, int port)
    {
        var socket = PodSocket.CreateTcp(netnsPath);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.Listen(64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new EchoServer(socket);
    }

    /// <summary>A connection from inside <paramref name="netnsPath"/> (fails after 5 s).</summary>
    public static async Task<Socket> ConnectAsync(string netnsPath, string address, int port)
    {
        var socket = PodSocket.CreateTcp(netnsPath);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(address), port), timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one line and returns the echoed line (throws after 5 s without it).</summary>
    public static async Task<string> RoundTripAsync(Socket socket, string line)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.SendAsync(Encoding.ASCII.GetBytes(line + "\n"), SocketFlags.None, timeout.Token);
        var buffer = new byte[1024];
        var received = new StringBuilder();
        while (!received.ToString().Contains('\n', StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                throw new IOException($"the echo connection closed before \"{line}\" came back");
            }
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return received.ToString().TrimEnd('\n');
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            _ = Task.Run(() => EchoAsync(client));
        }
    }

    private async Task EchoAsync(Socket client)
    {
        using (client)
        {
            var buffer = new byte[1024];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var n = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }
                    await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}
