using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>
/// A TCP socket created inside a pod's network namespace (a socket keeps the
/// namespace it was created in, whichever thread uses it afterwards): for
/// clients that need exact control of ports and of who closes first.
/// </summary>
internal static partial class PodSocket
{
    private const int CloneNewNet = 0x40000000;

    public static Socket CreateTcp(string netnsPath)
    {
        Socket? socket = null;
        Exception? error = null;
        // setns() changes the calling thread only: a throwaway thread enters the pod.
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(netnsPath);
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({netnsPath}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw error;
        }
        return socket!;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
