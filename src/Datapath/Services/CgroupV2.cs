using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Services;

/// <summary>
/// Finds (or provides) the cgroup v2 hierarchy the socket load balancer
/// attaches to. Its root covers every process that was not moved into a
/// child cgroup - on a standalone host that includes every "pod", since pods
/// are network namespaces, not cgroups.
/// </summary>
public static class CgroupV2
{
    private const ulong MsNoSuid = 2, MsNoDev = 4, MsNoExec = 8;

    /// <summary>The first cgroup2 mount point in <paramref name="mountsFile"/>, or null.</summary>
    public static string? FindMount(string mountsFile = "/proc/mounts")
    {
        var mounts = ProcMounts.MountPoints("cgroup2", mountsFile);
        return mounts.Count > 0 ? mounts[0] : null;
    }

    /// <summary>
    /// The cgroup2 mount from /proc/mounts; when the host has none, mounts one
    /// at <c>&lt;stateDir&gt;/cgroupv2</c> (cgroup2 is a single hierarchy, so
    /// that mount's root is the same root cgroup) and returns it.
    /// </summary>
    /// <exception cref="IOException">Nothing mounted and mounting failed.</exception>
    public static string EnsureMounted(string stateDir)
    {
        if (FindMount() is { } existing)
        {
            return existing;
        }
        var target = Path.Combine(stateDir, "cgroupv2");
        Directory.CreateDirectory(target);
        if (Libc.Mount("none", target, "cgroup2", MsNoSuid | MsNoDev | MsNoExec, null) != 0)
        {
            throw new IOException("no cgroup2 mount in /proc/mounts and mounting one at " + target + " failed: "
                + Errno.Describe(Errno.FromResult(-1)) + "; mount one with 'mount -t cgroup2 none " + target + "'");
        }
        return target;
    }

    /// <summary>Unmounts a cgroup2 mount made by <see cref="EnsureMounted"/> and removes its directory; false if that failed.</summary>
    public static bool Unmount(string mountPoint)
    {
        if (Libc.Umount(mountPoint) != 0)
        {
            return false;
        }
        try
        {
            Directory.Delete(mountPoint);
        }
        catch (IOException)
        {
        }
        return true;
    }
}
