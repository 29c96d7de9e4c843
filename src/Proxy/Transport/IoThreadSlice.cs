using System.Runtime.InteropServices;

namespace CiliumL7.Proxy.Transport;

/// <summary>
/// Asks the kernel for a short scheduler time slice on the proxy's I/O threads
/// (<c>sched_setattr</c>, <c>SCHED_OTHER</c> with <c>sched_runtime</c>: Linux 6.12+ EEVDF).
/// A thread with a short slice that wakes (a request arrived) preempts a thread with the
/// default slice (0.75 ms × (1 + log2 CPUs), 1.5–3 ms) running on its CPU at once instead
/// of waiting for the rest of that slice: the agent's JIT, flow and timer threads, the
/// kernel's own workers or any other process. Its share of the CPU is unchanged (the nice
/// value is untouched), it only gets it sooner, in shorter pieces. Best effort: an older
/// kernel refuses (EINVAL) or ignores it, and nothing else changes.
/// </summary>
/// <remarks>
/// The threads: the DNS proxy's own (UDP reader, upstream receive), and the runtime's
/// socket engine threads (".NET Sockets"), which run the TCP proxies' request path inline
/// (<see cref="ProxyOptions.InlineScheduling"/>, inline socket completions).
/// </remarks>
internal static partial class IoThreadSlice
{
    /// <summary>Name the runtime gives its socket engine threads (<c>/proc/self/task/*/comm</c>).</summary>
    public const string SocketEngineThreadName = ".NET Sockets";

    private const long SchedSetattrX64 = 314;
    private const long SchedSetattrArm64 = 274;
    private const long SchedGetattrX64 = 315;
    private const long SchedGetattrArm64 = 275;

    /// <summary>Gives the calling thread <paramref name="slice"/>; false when the kernel refused or the slice is zero.</summary>
    public static bool TrySetCurrentThread(TimeSpan slice) => TrySet(0, slice);

    /// <summary>
    /// Gives every thread of this process named <paramref name="name"/> the slice (threads of the
    /// runtime that the proxy does not start itself); the number of threads changed.
    /// </summary>
    public static int TrySetThreadsNamed(string name, TimeSpan slice)
    {
        if (slice <= TimeSpan.Zero || !OperatingSystem.IsLinux())
        {
            return 0;
        }
        var changed = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                string comm;
                try
                {
                    comm = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                }
                catch (IOException)
                {
                    continue; // the thread ended meanwhile
                }
                if (comm == name && int.TryParse(Path.GetFileName(task), out var tid) && TrySet(tid, slice))
                {
                    changed++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return changed;
        }
        return changed;
    }

    /// <summary>The slice the kernel keeps for thread <paramref name="tid"/> (0: the calling thread); null when it cannot be read.</summary>
    public static unsafe TimeSpan? Get(int tid)
    {
        var number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => SchedGetattrX64,
            Architecture.Arm64 => SchedGetattrArm64,
            _ => -1L,
        };
        if (number < 0 || !OperatingSystem.IsLinux())
        {
            return null;
        }
        var attr = default(SchedAttr);
        return SyscallGet(number, tid, &attr, (uint)sizeof(SchedAttr), 0) == 0 ? TimeSpan.FromTicks((long)(attr.Runtime / 100)) : null;
    }

    private static unsafe bool TrySet(int tid, TimeSpan slice)
    {
        if (slice <= TimeSpan.Zero || !OperatingSystem.IsLinux())
        {
            return false;
        }
        var number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => SchedSetattrX64,
            Architecture.Arm64 => SchedSetattrArm64,
            _ => -1L,
        };
        if (number < 0)
        {
            return false;
        }
        var attr = new SchedAttr
        {
            Size = (uint)sizeof(SchedAttr),
            Policy = 0, // SCHED_OTHER: only the slice changes
            Runtime = (ulong)(slice.Ticks * 100), // ns
        };
        return Syscall(number, tid, &attr, 0) == 0;
    }

    // syscall(2) takes its arguments in registers like a plain function on x86-64 and arm64 Linux.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, int tid, SchedAttr* attr, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SyscallGet(long number, int tid, SchedAttr* attr, uint size, uint flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedAttr
    {
        public uint Size;
        public uint Policy;
        public ulong Flags;
        public int Nice;
        public uint Priority;
        public ulong Runtime;
        public ulong Deadline;
        public ulong Period;
        public uint UtilMin;
        public uint UtilMax;
    }
}
