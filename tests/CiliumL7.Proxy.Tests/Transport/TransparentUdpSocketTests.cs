using System.Net;
using System.Net.Sockets;
using CiliumL7.Proxy.Tests.Support;
using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Tests.Transport;

/// <summary>The UDP transport on loopback: recvmsg with the original destination, replies from a chosen address.</summary>
public sealed class TransparentUdpSocketTests
{
    [Fact]
    public void Receive_Datagram_SourceAndOriginalDestinationFromTheKernel()
    {
        using var socket = TransparentUdpSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), transparent: false, networkNamespace: null, TimeSpan.FromSeconds(5));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.SendTo(new byte[] { 1, 2, 3, 4, 5 }, socket.LocalEndPoint);

        var buffer = new byte[3];
        var datagram = socket.Receive(buffer);

        Assert.NotNull(datagram);
        Assert.Equal(3, datagram.Value.Length);
        Assert.True(datagram.Value.Truncated);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
        Assert.Equal(client.LocalEndPoint, datagram.Value.Source);
        Assert.Equal(socket.LocalEndPoint, datagram.Value.OriginalDestination);
    }

    [Fact]
    public void Receive_NothingArrives_NullAfterTheTimeout()
    {
        using var socket = TransparentUdpSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0), transparent: false, networkNamespace: null, TimeSpan.FromMilliseconds(50));
        Assert.Null(socket.Receive(new byte[512]));
    }

    [Fact]
    public void Send_FromAnotherAddress_ClientSeesThatSource()
    {
        using var replies = new UdpReplySockets(transparent: false, networkNamespace: null);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        client.ReceiveTimeout = 5000;
        var from = new IPEndPoint(IPAddress.Loopback, FreePort.Next());

        replies.Send(new byte[] { 9, 8, 7 }, from, (IPEndPoint)client.LocalEndPoint!);
        replies.Send(new byte[] { 6 }, from, (IPEndPoint)client.LocalEndPoint!);

        var buffer = new byte[16];
        EndPoint sender = new IPEndPoint(IPAddress.Any, 0);
        Assert.Equal(3, client.ReceiveFrom(buffer, ref sender));
        Assert.Equal(from, sender);
        Assert.Equal(1, client.ReceiveFrom(buffer, ref sender));
        Assert.Equal(from, sender);
    }
}
