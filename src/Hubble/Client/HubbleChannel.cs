using System.Net.Sockets;
using Grpc.Net.Client;

namespace CiliumL7.Hubble.Client;

/// <summary>Opens gRPC channels to a Hubble Observer API (unix socket or TCP, plaintext HTTP/2).</summary>
public static class HubbleChannel
{
    /// <summary>The agent's default Hubble socket.</summary>
    public const string DefaultServer = "unix:///var/run/ciliuml7/hubble.sock";

    /// <summary>
    /// Creates a channel for <paramref name="server"/>: "unix:///path" (or "unix:path"),
    /// "host:port", or "http://host:port".
    /// </summary>
    public static GrpcChannel Create(string server)
    {
        ArgumentException.ThrowIfNullOrEmpty(server);
        if (server.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = server["unix:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }
            return ForUnixSocket(path);
        }
        var address = server.Contains("://", StringComparison.Ordinal) ? server : "http://" + server;
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
    }

    /// <summary>Creates a channel over a unix domain socket.</summary>
    public static GrpcChannel ForUnixSocket(string path)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler });
    }
}
