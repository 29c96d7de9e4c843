using System.Net.Sockets;
using System.Runtime.InteropServices;
using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Services;

/// <summary>
/// The kernel's cookie of a network namespace (what <c>bpf_get_netns_cookie</c>
/// returns), read with <c>SO_NETNS_COOKIE</c> from a socket created inside it.
/// </summary>
public static unsafe partial class NetnsCookie
{
    /// <summary>The "every namespace" key of the netns map.</summary>
    public const ulong Any = 0;

    private const int SolSocket = 1;
    private const int SoNetnsCookie = 71;
    private const int CloneNewNet = 0x40000000;

    /// <summary>Cookie of the caller's own network namespace.</summary>
    public static ulong Current()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        return Read(socket);
    }

    /// <summary>Cookie of the namespace at <paramref name="netnsPath"/> (<c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>).</summary>
    /// <exception cref="IOException">The path is not a network namespace or cannot be entered.</exception>
    public static ulong Of(string netnsPath)
    {
        ulong cookie = 0;
        Exception? error = null;
        // setns() switches only the calling thread: do it on a throwaway thread.
        var thread = new Thread(() =>
        {
            var self = Libc.Open("/proc/thread-self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC);
            var target = Libc.Open(netnsPath, Libc.O_RDONLY | Libc.O_CLOEXEC);
            try
            {
                if (self < 0 || target < 0)
                {
                    throw new IOException("cannot open network namespace " + netnsPath + ": " + Errno.Describe(Marshal.GetLastPInvokeError()));
                }
                if (Libc.SetNs(target, CloneNewNet) != 0)
                {
                    throw new IOException("cannot enter network namespace " + netnsPath + ": " + Errno.Describe(Marshal.GetLastPInvokeError()));
                }
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    cookie = Read(socket);
                }
                finally
                {
                    if (Libc.SetNs(self, CloneNewNet) != 0)
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
                if (self >= 0)
                {
                    Libc.Close(self);
                }
                if (target >= 0)
                {
                    Libc.Close(target);
                }
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? cookie : throw (error as IOException ?? new IOException("netns cookie of " + netnsPath + ": " + error.Message, error));
    }

    private static ulong Read(Socket socket)
    {
        ulong cookie = 0;
        var len = sizeof(ulong);
        if (Libc.GetSockOpt((int)socket.Handle, SolSocket, SoNetnsCookie, &cookie, &len) != 0)
        {
            throw new IOException("getsockopt(SO_NETNS_COOKIE) failed: " + Errno.Describe(Marshal.GetLastPInvokeError()));
        }
        return cookie;
    }
}
