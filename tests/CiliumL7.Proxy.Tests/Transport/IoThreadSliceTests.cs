using CiliumL7.Proxy.Transport;

namespace CiliumL7.Proxy.Tests.Transport;

/// <summary>The kernel keeps the short slice asked for the proxy's I/O threads (Linux 6.12+, EEVDF).</summary>
public sealed class IoThreadSliceTests
{
    [Fact]
    public void TrySetCurrentThread_100Microseconds_KernelKeepsIt()
    {
        if (!KernelHasSlices())
        {
            return; // before 6.12 the kernel has no per-thread slice: the call is best effort there
        }
        (bool Set, TimeSpan? Read) result = default;
        var thread = new Thread(() => result = (IoThreadSlice.TrySetCurrentThread(TimeSpan.FromMicroseconds(100)), IoThreadSlice.Get(0)));
        thread.Start();
        thread.Join();

        Assert.True(result.Set);
        Assert.Equal(TimeSpan.FromMicroseconds(100), result.Read);
    }

    [Fact]
    public void TrySetThreadsNamed_OneThreadOfThatName_OnlyItChanges()
    {
        if (!KernelHasSlices())
        {
            return;
        }
        var name = "cl7s" + Environment.ProcessId % 100000; // comm holds 15 characters
        using var ready = new ManualResetEventSlim();
        using var done = new ManualResetEventSlim();
        TimeSpan? named = null;
        var thread = new Thread(() =>
        {
            ready.Set();
            done.Wait();
            named = IoThreadSlice.Get(0);
        }) { Name = name, IsBackground = true };
        thread.Start();
        ready.Wait();
        var before = IoThreadSlice.Get(0);

        var changed = IoThreadSlice.TrySetThreadsNamed(name, TimeSpan.FromMicroseconds(200));
        done.Set();
        thread.Join();

        Assert.Equal(1, changed);
        Assert.Equal(TimeSpan.FromMicroseconds(200), named);
        Assert.Equal(before, IoThreadSlice.Get(0)); // the calling thread is not that one
    }

    [Fact]
    public void TrySetCurrentThread_Zero_LeavesTheKernelDefault()
    {
        Assert.False(IoThreadSlice.TrySetCurrentThread(TimeSpan.Zero));
        Assert.Equal(0, IoThreadSlice.TrySetThreadsNamed(".NET Sockets", TimeSpan.Zero));
    }

    private static bool KernelHasSlices() =>
        OperatingSystem.IsLinux() && Environment.OSVersion.Version >= new Version(6, 12);
}
