using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// Creates sockets inside another network namespace: a socket belongs to the
/// namespace of the thread that created it, so the calling thread enters the
/// namespace (setns) only for the <c>socket()</c> call and returns at once.
/// Lets one process serve a "node" namespace (standalone multi-node mode, tests).
/// </summary>
internal static partial class NetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A TCP socket in the namespace at <paramref name="path"/> (e.g. <c>/var/run/netns/NAME</c>), or in the caller's when null.</summary>
    public static Socket CreateTcpSocket(string? path, AddressFamily family) =>
        CreateSocket(path, family, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>A UDP socket in the namespace at <paramref name="path"/>, or in the caller's when null.</summary>
    public static Socket CreateUdpSocket(string? path, AddressFamily family) =>
        CreateSocket(path, family, SocketType.Dgram, ProtocolType.Udp);

    private static Socket CreateSocket(string? path, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        if (path is null)
        {
            return new Socket(family, type, protocol);
        }
        using var target = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        using var home = File.OpenHandle("/proc/thread-self/ns/net", FileMode.Open, FileAccess.Read);
        if (SetNs((int)target.DangerousGetHandle(), CloneNewNet) != 0)
        {
            throw new IOException($"cannot enter network namespace {path}: errno {Marshal.GetLastPInvokeError()} (needs CAP_SYS_ADMIN)");
        }
        try
        {
            return new Socket(family, type, protocol);
        }
        finally
        {
            if (SetNs((int)home.DangerousGetHandle(), CloneNewNet) != 0)
            {
                // A pool thread left in a foreign namespace would silently misroute later work.
                Environment.FailFast("cannot return to the original network namespace after creating a proxy socket");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
