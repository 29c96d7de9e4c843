using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Services;

/// <summary>
/// Loads <c>sock-lb.o</c> and attaches its cgroup programs to a cgroup v2
/// directory through pinned BPF links:
/// <code>
///   &lt;bpf-root&gt;/ciliuml7_lb_svc, _be, _rsk, _ns                      maps (reused if pinned)
///   &lt;bpf-root&gt;/ciliuml7_lb_link_connect4 ... _getpeername6          links
/// </code>
/// A pinned link keeps its program attached after the agent exits; a second
/// <see cref="Install"/> swaps the programs of the existing links atomically
/// (<c>bpf_link_update</c>) and keeps the maps, so connections never see a
/// gap. <see cref="Uninstall"/> detaches exactly these links - never another
/// program attached to the same cgroup - and removes the pins.
/// </summary>
public static class SocketLbLoader
{
    /// <summary>Pin name prefix of the cgroup links.</summary>
    public const string LinkPinPrefix = "ciliuml7_lb_link_";

    /// <summary>Map pin names owned by the socket load balancer.</summary>
    public static IReadOnlyList<string> MapNames { get; } =
        [LoadBalancerMaps.ServiceMapName, LoadBalancerMaps.BackendMapName, LoadBalancerMaps.RevSkMapName, LoadBalancerMaps.NetnsMapName];

    /// <summary>Loads the object, pins (or reuses) its maps and attaches every cgroup program.</summary>
    /// <param name="objectPath">Compiled <c>sock-lb.o</c>.</param>
    /// <param name="bpfRoot">bpffs directory for pins (created if missing; must be on a bpf mount).</param>
    /// <param name="cgroupPath">cgroup v2 directory, usually <see cref="CgroupV2.EnsureMounted"/>.</param>
    /// <exception cref="IOException">Any step failed; links created by this call are detached again.</exception>
    public static SocketLbInstallation Install(string objectPath, string bpfRoot, string cgroupPath)
    {
        if (!File.Exists(objectPath))
        {
            throw new FileNotFoundException("socket LB object not found: " + objectPath + " (build it with 'make bpf')", objectPath);
        }
        if (!ProcMounts.IsOn(bpfRoot, "bpf"))
        {
            throw new IOException("BPF root " + bpfRoot + " is not on a bpf file system; mount one with 'mount -t bpf bpf /sys/fs/bpf' or pass a --bpf-root on bpffs");
        }
        Directory.CreateDirectory(bpfRoot);

        var obj = LibBpf.ObjectOpenFile(objectPath, 0);
        if (obj == 0)
        {
            throw new IOException("cannot open BPF object " + objectPath + ": " + Errno.Describe(Errno.FromResult(-1)));
        }
        var cgroupFd = -1;
        var created = new List<string>();
        try
        {
            // :: Step 1: pin maps by name under the root; libbpf reuses pins that already exist.
            for (var map = LibBpf.ObjectNextMap(obj, 0); map != 0; map = LibBpf.ObjectNextMap(obj, map))
            {
                var name = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(LibBpf.MapName(map)) ?? "";
                if (name.StartsWith('.'))
                {
                    continue; // .rodata/.bss: internal, not shared
                }
                Check(LibBpf.MapSetPinPath(map, Path.Combine(bpfRoot, name)), "set pin path of map " + name);
            }
            // :: Step 2: load (verifier) and pin.
            Check(LibBpf.ObjectLoad(obj), "load " + objectPath + " (verifier log above on stderr; if a pinned map's layout changed, run 'ciliuml7-agent cleanup' first)");

            // :: Step 3: attach each program with a pinned link, or upgrade the pinned link in place.
            cgroupFd = Libc.Open(cgroupPath, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
            if (cgroupFd < 0)
            {
                throw new IOException("cannot open cgroup " + cgroupPath + ": " + Errno.Describe(Errno.FromResult(-1)));
            }
            var hooks = new List<string>();
            var upgraded = false;
            for (var prog = LibBpf.ObjectNextProgram(obj, 0); prog != 0; prog = LibBpf.ObjectNextProgram(obj, prog))
            {
                var section = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(LibBpf.ProgramSectionName(prog)) ?? "";
                var hook = section.StartsWith("cgroup/", StringComparison.Ordinal) ? section["cgroup/".Length..] : section.Replace('/', '_');
                var pin = Path.Combine(bpfRoot, LinkPinPrefix + hook);
                var progFd = LibBpf.ProgramFd(prog);
                if (File.Exists(pin))
                {
                    var linkFd = LibBpf.ObjGet(pin);
                    if (linkFd < 0)
                    {
                        throw new IOException("cannot open pinned link " + pin + ": " + Errno.Describe(Errno.FromResult(linkFd)));
                    }
                    var ret = LibBpf.LinkUpdate(linkFd, progFd, 0);
                    var err = Errno.FromResult(ret);
                    Libc.Close(linkFd);
                    if (ret != 0)
                    {
                        throw new IOException("cannot replace the program of " + pin + ": " + Errno.Describe(err));
                    }
                    upgraded = true;
                }
                else
                {
                    var linkFd = LibBpf.LinkCreate(progFd, cgroupFd, LibBpf.ProgramExpectedAttachType(prog), 0);
                    if (linkFd < 0)
                    {
                        throw new IOException("cannot attach " + section + " to cgroup " + cgroupPath + ": " + Errno.Describe(Errno.FromResult(linkFd)));
                    }
                    var ret = LibBpf.ObjPin(linkFd, pin);
                    var err = Errno.FromResult(ret);
                    if (ret != 0)
                    {
                        Libc.Close(linkFd); // last reference: detaches
                        throw new IOException("cannot pin link " + pin + ": " + Errno.Describe(err));
                    }
                    Libc.Close(linkFd);
                    created.Add(pin);
                }
                hooks.Add(hook);
            }
            return new SocketLbInstallation(bpfRoot, cgroupPath, hooks, upgraded);
        }
        catch
        {
            foreach (var pin in created)
            {
                DetachPinnedLink(pin);
            }
            throw;
        }
        finally
        {
            if (cgroupFd >= 0)
            {
                Libc.Close(cgroupFd);
            }
            LibBpf.ObjectClose(obj); // programs live on in their links, maps in their pins
        }
    }

    /// <summary>
    /// Detaches the links pinned under <paramref name="bpfRoot"/> by <see cref="Install"/>
    /// and removes them and the map pins. Idempotent; returns what was removed.
    /// </summary>
    public static IReadOnlyList<string> Uninstall(string bpfRoot)
    {
        var removed = new List<string>();
        if (!Directory.Exists(bpfRoot))
        {
            return removed;
        }
        foreach (var pin in AttachedLinks(bpfRoot))
        {
            DetachPinnedLink(pin);
            removed.Add(pin);
        }
        foreach (var name in MapNames)
        {
            var path = Path.Combine(bpfRoot, name);
            if (File.Exists(path))
            {
                File.Delete(path);
                removed.Add(path);
            }
        }
        return removed;
    }

    /// <summary>Link pins of the socket load balancer under <paramref name="bpfRoot"/>.</summary>
    public static IReadOnlyList<string> AttachedLinks(string bpfRoot)
    {
        if (!Directory.Exists(bpfRoot))
        {
            return [];
        }
        var links = Directory.GetFiles(bpfRoot, LinkPinPrefix + "*");
        Array.Sort(links, StringComparer.Ordinal);
        return links;
    }

    private static void DetachPinnedLink(string pin)
    {
        var fd = LibBpf.ObjGet(pin);
        if (fd >= 0)
        {
            LibBpf.LinkDetach(fd);
            Libc.Close(fd);
        }
        File.Delete(pin);
    }

    private static void Check(int ret, string what)
    {
        if (ret != 0)
        {
            throw new IOException("socket LB: " + what + " failed: " + Errno.Describe(Errno.FromResult(ret)));
        }
    }
}
