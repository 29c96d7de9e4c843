using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Dns;

/// <summary>
/// Sends one allowed query to the server the pod addressed and waits for its
/// answer, bounded by <see cref="ProxyOptions.DnsUpstreamTimeout"/>. The socket is
/// the proxy's own per query: marked (<see cref="ProxyOptions.UpstreamMark"/>) so
/// the datapath does not redirect it again, with the node's address as its source
/// (unlike the HTTP upstreams, not the pod's). Over UDP, datagrams whose id is not
/// the query's are ignored (late or spoofed); over TCP the query is framed with
/// its two-byte length.
/// </summary>
internal static class DnsUpstream
{
    /// <summary>The answer's length in <paramref name="answer"/>; throws on failure or timeout (the caller answers SERVFAIL).</summary>
    public static async Task<int> ExchangeAsync(ProxyOptions options, ReadOnlyMemory<byte> query, IPAddress client, IPEndPoint server, bool tcp, Memory<byte> answer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.DnsUpstreamTimeout);
        using var socket = Create(options, client, server, tcp);
        var token = timeout.Token;
        await socket.ConnectAsync(server, token).ConfigureAwait(false);
        var id = BinaryPrimitives.ReadUInt16BigEndian(query.Span);
        if (!tcp)
        {
            await socket.SendAsync(query, SocketFlags.None, token).ConfigureAwait(false);
            while (true)
            {
                var n = await socket.ReceiveAsync(answer, SocketFlags.None, token).ConfigureAwait(false);
                if (n >= DnsMessageParser.HeaderLength && BinaryPrimitives.ReadUInt16BigEndian(answer.Span) == id)
                {
                    return n;
                }
            }
        }
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
