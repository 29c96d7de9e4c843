using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.InteropServices;

namespace CiliumL7.Agent.Tests.Support;

/// <summary>ICMP echo from inside a pod: a short-lived thread joins the pod netns (setns) and pings from there (raw socket, root).</summary>
internal static class PodPing
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>True when one echo request to <paramref name="ip"/> got its reply within 2 s (tries 3 times).</summary>
    public static bool Ping(TestPod from, string ip)
    {
        var ok = false;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(from.NetnsPath);
                if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({from.NetnsPath}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
                using var ping = new Ping();
                for (var i = 0; i < 3 && !ok; i++)
                {
                    ok = ping.Send(IPAddress.Parse(ip), 2000).Status == IPStatus.Success;
                }
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
        return ok;
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
