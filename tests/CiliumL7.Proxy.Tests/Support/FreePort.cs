using System.Net;
using System.Net.Sockets;

namespace CiliumL7.Proxy.Tests.Support;

public static class FreePort
{
    public static ushort Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
