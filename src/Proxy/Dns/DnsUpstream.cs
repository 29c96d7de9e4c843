using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// Sends one allowed query to the server the pod addressed and waits for its
/// answer, bounded by <see cref="ProxyOptions.DnsUpstreamTimeout"/>. Sockets are
/// the proxy's own, marked (<see cref="ProxyOptions.UpstreamMark"/>) so the datapath
/// does not redirect them again, with the node's address as their source (unlike the
/// HTTP upstreams, not the pod's). UDP goes through the per-server pooled socket
/// (<see cref="DnsUdpUpstreamServer"/>: fresh id per query, answers matched by id);
/// TCP opens a connection per query, framed with the two-byte length.
/// </summary>
internal static class DnsUpstream
{
    /// <summary>The answer's length in <paramref name="answer"/>; throws on failure or timeout (the caller answers SERVFAIL).</summary>
    public static async Task<int> ExchangeAsync(ProxyOptions options, DnsUdpUpstreamPool pool, ReadOnlyMemory<byte> query, IPAddress client, IPEndPoint server, bool tcp, Memory<byte> answer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.DnsUpstreamTimeout);
        var token = timeout.Token;
        if (!tcp)
        {
            return await pool.For(server).ExchangeAsync(query, answer, token).ConfigureAwait(false);
        }
        using var socket = Create(options, client, server, tcp);
        await socket.ConnectAsync(server, token).ConfigureAwait(false);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed.AsMemory(2));
        await socket.SendAsync(framed, SocketFlags.None, token).ConfigureAwait(false);
        var prefix = new byte[2];
        await ReceiveExactlyAsync(socket, prefix, token).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
        if (length > answer.Length)
        {
            throw new IOException($"DNS answer of {length} bytes over TCP is larger than the proxy's buffer");
        }
        await ReceiveExactlyAsync(socket, answer[..length], token).ConfigureAwait(false);
        return length;
    }

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken token)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("the DNS server closed the TCP connection before the whole answer");
            }
            buffer = buffer[n..];
        }
    }

    private static Socket Create(ProxyOptions options, IPAddress client, IPEndPoint server, bool tcp)
    {
        var socket = tcp
            ? NetworkNamespace.CreateTcpSocket(options.NetworkNamespace, server.AddressFamily)
            : NetworkNamespace.CreateUdpSocket(options.NetworkNamespace, server.AddressFamily);
        try
        {
            if (tcp)
            {
                socket.NoDelay = true;
            }
            if (options.UpstreamMark != 0)
            {
                LinuxSocketOptions.SetMark(socket, options.UpstreamMark);
            }
            // The node's own address is the source (Cilium's DNS proxy without transparent mode):
            // a pod's address as the source of a UDP upstream does not get its answer back
            // through this datapath yet (see Dns/README.md).
            _ = client;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
