using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CiliumL7.Datapath.Tests;

/// <summary>Creates sockets inside a named network namespace (setns on a throwaway thread) and reads getpeername().</summary>
internal static unsafe partial class ServicesNetns
{
    private const int CloneNewNet = 0x40000000;
    private const int ORdOnlyCloExec = 0x80000;

    public static Socket Socket(string netns, AddressFamily family, SocketType type, ProtocolType proto)
    {
        Socket? result = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            var self = Open("/proc/thread-self/ns/net", ORdOnlyCloExec);
            var target = Open("/var/run/netns/" + netns, ORdOnlyCloExec);
            try
            {
                if (self < 0 || target < 0 || SetNs(target, CloneNewNet) != 0)
                {
                    throw new IOException("setns into " + netns + " failed: errno " + Marshal.GetLastPInvokeError());
                }
                try
                {
                    result = new Socket(family, type, proto);
                }
                finally
                {
                    if (SetNs(self, CloneNewNet) != 0)
                    {
                        Environment.FailFast("cannot return to the original network namespace");
                    }
                }
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                Close(self);
                Close(target);
            }
        });
        thread.Start();
        thread.Join();
        return result ?? throw new IOException("socket in " + netns, error);
    }

    /// <summary>The peer as the kernel reports it to the application (getpeername(2), not .NET's cached endpoint).</summary>
    public static IPEndPoint PeerName(Socket socket)
    {
        var buf = stackalloc byte[128];
        var len = 128;
        if (GetPeerName((int)socket.Handle, buf, &len) != 0)
        {
            throw new IOException("getpeername failed: errno " + Marshal.GetLastPInvokeError());
        }
        var family = *(ushort*)buf;
        var port = (ushort)((buf[2] << 8) | buf[3]);
        return family == 2
            ? new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(buf + 4, 4)), port)
            : new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(buf + 8, 16)), port);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial void Close(int fd);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "getpeername", SetLastError = true)]
    private static partial int GetPeerName(int fd, byte* addr, int* len);
}
