using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// A tiny HTTP server listening inside a pod's network namespace, owned by the
/// test process: the listening socket is created on a short-lived thread that
/// first joins the pod netns (setns), and a socket keeps its namespace for life.
/// Answers every request with <c>200 Ship landed</c> and counts connections.
/// </summary>
internal sealed class PodServer : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _accepted;

    private PodServer(Socket listener)
    {
        _listener = listener;
        _ = Task.Run(AcceptLoopAsync);
    }

    public int Accepted => Volatile.Read(ref _accepted);

    public static PodServer Start(string netnsPath, int port)
    {
        var socket = PodSocket.CreateTcp(netnsPath);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new PodServer(socket);
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
            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private static async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                var buffer = new byte[4096];
                var received = new StringBuilder();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }
                    received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                const string body = "Ship landed\n";
                var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await client.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Both);
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
