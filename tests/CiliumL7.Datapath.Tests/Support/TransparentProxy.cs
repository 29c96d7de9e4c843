using System.Net;
using System.Net.Sockets;
using CiliumL7.Datapath.Abi;

namespace CiliumL7.Datapath.Tests.Support;

/// <summary>
/// A minimal transparent proxy in the node netns, as the real one works: a
/// listener on 0.0.0.0:port with IP_TRANSPARENT; for each connection it
/// records the local endpoint (= the original destination) and, when asked,
/// forwards to that destination from the original source address
/// (IP_TRANSPARENT + bind) with SO_MARK = MARK_MAGIC_PROXY_EGRESS.
/// </summary>
internal sealed class TransparentProxy : IDisposable
{
    private const int SolIp = 0;
    private const int IpTransparent = 19;
    private const int SolSocket = 1;
    private const int SoMark = 36;

    private readonly Socket _listener;
    private readonly NetNs _node;
    private readonly bool _forward;

    public TransparentProxy(NetNs node, int port, bool forward)
    {
        _node = node;
        _forward = forward;
        _listener = node.Invoke(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.SetRawSocketOption(SolIp, IpTransparent, BitConverter.GetBytes(1));
            s.Bind(new IPEndPoint(IPAddress.Any, port));
            s.Listen(16);
            return s;
        });
        _ = Task.Run(AcceptLoop);
    }

    /// <summary>Local endpoints of accepted connections: the original destinations.</summary>
    public TaskCompletionSource<(IPEndPoint Local, IPEndPoint Remote)> FirstAccepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptLoop()
    {
        try
        {
            while (true)
            {
                var c = await _listener.AcceptAsync();
                FirstAccepted.TrySetResult(((IPEndPoint)c.LocalEndPoint!, (IPEndPoint)c.RemoteEndPoint!));
                _ = Task.Run(() => Serve(c));
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task Serve(Socket client)
    {
        using (client)
        {
            try
            {
                var buf = new byte[256];
                int n = await client.ReceiveAsync(buf);
                if (!_forward)
                {
                    await client.SendAsync("proxied"u8.ToArray());
                    return;
                }
                var original = (IPEndPoint)client.LocalEndPoint!;
                var source = (IPEndPoint)client.RemoteEndPoint!;
                using var upstream = _node.Invoke(() =>
                {
                    var u = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    u.SetRawSocketOption(SolIp, IpTransparent, BitConverter.GetBytes(1));
                    u.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes((int)AbiConstants.MarkMagicProxyEgress));
                    u.Bind(new IPEndPoint(source.Address, 0));
                    return u;
                });
                using var cts = new CancellationTokenSource(3000);
                await upstream.ConnectAsync(original, cts.Token);
                await upstream.SendAsync(buf.AsMemory(0, n), cts.Token);
                int m = await upstream.ReceiveAsync(buf, cts.Token);
                await client.SendAsync(System.Text.Encoding.ASCII.GetBytes("via-proxy:" + System.Text.Encoding.ASCII.GetString(buf, 0, m)));
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
