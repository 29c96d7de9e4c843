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
    private const int SolIpv6 = 41;
    private const int Ipv6Transparent = 75;
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
            var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
            s.SetRawSocketOption(SolIp, IpTransparent, BitConverter.GetBytes(1));
            s.SetRawSocketOption(SolIpv6, Ipv6Transparent, BitConverter.GetBytes(1));
            s.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
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
                FirstAccepted.TrySetResult((Unmap((IPEndPoint)c.LocalEndPoint!), Unmap((IPEndPoint)c.RemoteEndPoint!)));
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
                var original = Unmap((IPEndPoint)client.LocalEndPoint!);
                var source = Unmap((IPEndPoint)client.RemoteEndPoint!);
                using var upstream = _node.Invoke(() =>
                {
                    var u = new Socket(source.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    if (source.AddressFamily == AddressFamily.InterNetworkV6)
                    {
                        u.SetRawSocketOption(SolIpv6, Ipv6Transparent, BitConverter.GetBytes(1));
                    }
                    else
                    {
                        u.SetRawSocketOption(SolIp, IpTransparent, BitConverter.GetBytes(1));
                    }
                    u.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes((int)AbiConstants.MarkMagicProxyEgress));
                    u.Bind(new IPEndPoint(source.Address, 0));
                    return u;
                });
                using var cts = new CancellationTokenSource(6000);
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

    private static IPEndPoint Unmap(IPEndPoint e) => e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;

    public void Dispose() => _listener.Dispose();
}
