using CiliumL7.Datapath.Interop;

namespace CiliumL7.Datapath.Loading;

/// <summary>
/// tc (clsact) attachment through libbpf's netlink API, in the calling
/// thread's network namespace. One filter per hook with a fixed handle and
/// priority, so attaching again replaces the program atomically
/// (BPF_TC_F_REPLACE). Filters stay when the process exits.
/// </summary>
internal static unsafe class TcAttachment
{
    public const uint Handle = 0xC17;
    public const uint Priority = 1;

    public static void Attach(int ifindex, bool ingress, int progFd)
    {
        var hook = NewHook(ifindex, ingress);
        int ret = LibBpf.TcHookCreate(&hook);
        if (ret < 0 && ret != -Errno.EEXIST)
        {
            LibBpf.Check(ret, $"clsact qdisc on ifindex {ifindex}");
        }
        var opts = new BpfTcOpts
        {
            Size = (nuint)sizeof(BpfTcOpts),
            ProgFd = progFd,
            Flags = LibBpf.BpfTcFReplace,
            Handle = Handle,
            Priority = Priority,
        };
        LibBpf.Check(LibBpf.TcAttach(&hook, &opts), $"tc {(ingress ? "ingress" : "egress")} attach on ifindex {ifindex}");
    }

    /// <summary>Removes our filter; false when there was none (or the link is gone).</summary>
    public static bool Detach(int ifindex, bool ingress)
    {
        var hook = NewHook(ifindex, ingress);
        var opts = new BpfTcOpts { Size = (nuint)sizeof(BpfTcOpts), Handle = Handle, Priority = Priority };
        int ret = LibBpf.TcDetach(&hook, &opts);
        if (ret == -Errno.ENOENT || ret == -Errno.ENODEV || ret == -Errno.EINVAL)
        {
            return false;
        }
        LibBpf.Check(ret, $"tc {(ingress ? "ingress" : "egress")} detach on ifindex {ifindex}");
        return true;
    }

    /// <summary>The id of the program attached by us, or 0.</summary>
    public static uint Query(int ifindex, bool ingress)
    {
        var hook = NewHook(ifindex, ingress);
        var opts = new BpfTcOpts { Size = (nuint)sizeof(BpfTcOpts), Handle = Handle, Priority = Priority };
        int ret = LibBpf.TcQuery(&hook, &opts);
        return ret < 0 ? 0 : opts.ProgId;
    }

    private static BpfTcHook NewHook(int ifindex, bool ingress) => new()
    {
        Size = (nuint)sizeof(BpfTcHook),
        Ifindex = ifindex,
        AttachPoint = ingress ? LibBpf.BpfTcIngress : LibBpf.BpfTcEgress,
    };
}
